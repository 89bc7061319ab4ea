/**
 * The table from PostgreSQL SQLSTATE codes (and socket errors) to the service's errors. Driver
 * errors stop here: nothing above the data layer sees a pg or PGlite error.
 */
import { AppError } from '../domain/errors.js';

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/** Maps a driver error to an AppError; anything not in the table becomes a 500. */
export function mapPgError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const sqlstate = typeof code === 'string' ? code : '';
  if (sqlstate === '23505') {
    return new AppError('conflict', { detail: 'A record with this id exists already.', cause: err });
  }
  if (sqlstate === '57014') {
    return new AppError('databaseTimeout', { detail: 'The database did not answer in time.', cause: err });
  }
  if (
    SOCKET_ERRORS.has(sqlstate) ||
    sqlstate.startsWith('08') ||
    ['57P01', '57P02', '57P03', '53300', '40001', '40P01'].includes(sqlstate)
  ) {
    return new AppError('databaseUnavailable', {
      detail: 'The database cannot serve this request now; retry later.',
      headers: { 'Retry-After': '1' },
      cause: err,
    });
  }
  if (sqlstate === '23514' && /no partition of relation/.test((err as { message?: string }).message ?? '')) {
    // records has no partition for now(): the partition maintenance has not run (docs/partitioning.md).
    return new AppError('databaseUnavailable', {
      detail: 'The database cannot store records for this month yet; retry later.',
      headers: { 'Retry-After': '60' },
      cause: err,
    });
  }
  if (sqlstate.startsWith('22') || sqlstate === '23514') {
    return new AppError('unsupportedJsonValue', {
      detail: 'The database cannot store a value in this request.',
      cause: err,
    });
  }
  return new AppError('internal', { detail: 'The server failed to answer this request.', cause: err });
}

/**
 * For errors escaping a transaction: driver errors (they carry a `code`) are mapped; our own
 * errors, already mapped or thrown on purpose, pass through unchanged.
 */
export function mapTransactionError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? mapPgError(err) : err;
}

/** For failures to get a connection at all: always 503. */
export function unavailable(err: unknown): AppError {
  return new AppError('databaseUnavailable', {
    detail: 'The database cannot be reached; retry later.',
    headers: { 'Retry-After': '1' },
    cause: err,
  });
}
