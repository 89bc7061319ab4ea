/**
 * The table from PostgreSQL SQLSTATE codes (and socket errors) to the service's errors. Driver
 * errors stop here: nothing above the data layer sees a pg or PGlite error.
 */
import { AppError, ERRORS } from '../domain/errors.js';

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * records has no partition for the row's created_at: PostgreSQL raises SQLSTATE 23514 from its
 * routine ExecFindPartition, where a CHECK violation (also 23514) comes from ExecConstraints and
 * names its constraint. The routine, not the message text, which lc_messages may translate;
 * test/integration/partitions.test.ts pins it on PostgreSQL and PGlite.
 */
function isPartitionMiss(err: unknown): boolean {
  return (err as { routine?: unknown }).routine === 'ExecFindPartition';
}

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
      retryAfterSeconds: 1,
      cause: err,
    });
  }
  if (sqlstate === '23514' && isPartitionMiss(err)) {
    // records has no partition for now(): the partition maintenance has not run (docs/partitioning.md).
    return new AppError('databaseUnavailable', {
      detail: 'The database cannot store records for this month yet; retry later.',
      retryAfterSeconds: 60,
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
    retryAfterSeconds: 1,
    cause: err,
  });
}

/**
 * True for errors after which a pooled connection must not be reused: the database could not
 * serve on it (lost, shutting down, refused), so the pool opens a fresh one instead.
 */
export function dropsConnection(err: unknown): boolean {
  return err instanceof AppError && err.spec === ERRORS.databaseUnavailable;
}
