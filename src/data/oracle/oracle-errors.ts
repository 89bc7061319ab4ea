/**
 * The table from node-oracledb errors (ORA-, NJS-, DPI- codes) to the service's errors. Driver
 * errors stop here: nothing above the data layer sees an Oracle error.
 *
 * Matching uses the error's `errorNum` (ORA- numbers) and `code` (NJS-/DPI- strings) only, never
 * its message. node-oracledb rewrites `code` of lost-connection ORA- errors to NJS-500 but keeps
 * `errorNum`, so both are looked at.
 */
import { AppError, ERRORS } from '../../domain/errors.js';

/**
 * The codes sql/oracle/packages/records_api_v*.pkb raises (its .pks lists the same). Only these
 * answer 400: Oracle's own PL/SQL packages raise in -20000..-20999 as well (Oracle Text reports
 * through ORA-20000), and those are server faults. Retired: 20002..20004 (an empty user id, a bad
 * id, a payload not an object), refused by the table's constraints since records_api_v1.
 */
export const RECORDS_API_ERRORS: Readonly<Record<number, string>> = {
  20001: 'The bulk insert received a different number of items than it was told.',
};

/** ORA- numbers (errorNum) for a unique-key violation. */
const CONFLICT_ORA = new Set([1]);

/** ORA- numbers that mean the request or its session was cancelled for taking too long. */
const TIMEOUT_ORA = new Set([
  1013, // user requested cancel of current operation (a call timeout in Thick mode)
  56735, // elapsed time limit exceeded, call aborted (Resource Manager)
]);
/** NJS-/DPI- codes of an expired callTimeout (Thin raises NJS-123; Thick DPI-1067, rewritten to NJS-123). */
const TIMEOUT_CODES = new Set(['NJS-123', 'DPI-1067']);

/** ORA- numbers that mean the database cannot serve now but may shortly: lost session, startup, limits. */
const UNAVAILABLE_ORA = new Set([
  18, // maximum number of sessions exceeded
  20, // maximum number of processes exceeded
  28, // your session has been killed
  60, // deadlock detected (retrying is the remedy, as for PostgreSQL's 40P01)
  4021, // timeout waiting to lock an object (a package being replaced)
  4061, // existing state of a package has been invalidated
  4065, // not executed, a stored procedure was altered or dropped
  4068, // existing state of packages has been discarded
  6508, // could not find the program unit being called (replaced under this session)
  1033, // initialization or shutdown in progress
  1034, // Oracle not available
  1089, // immediate shutdown in progress
  1092, // instance terminated, disconnection forced
  3113, // end-of-file on communication channel
  3114, // not connected to Oracle
  3135, // connection lost contact
  8177, // can't serialize access for this transaction
  12170, // connect timeout occurred
  12514, // listener does not currently know of the service
  12516, // listener could not find an available handler
  12519, // no appropriate service handler found
  12520, // no available handler for the requested server type
  12528, // all appropriate instances are blocking new connections
  12537, // connection closed
  12541, // no listener
  12547, // lost contact
]);
/** NJS-/DPI- codes: pool queue timeout and limits, closing pool, broken or refused connections. */
const UNAVAILABLE_CODES = new Set([
  'NJS-040', // connection request timeout: queueTimeout exceeded
  'NJS-064', // connection pool is closing
  'NJS-065', // connection pool was closed
  'NJS-076', // pool queue length queueMax reached
  'NJS-500', // connection to Oracle Database was closed or broken (also ORA-03113 and friends)
  'NJS-501', // connection terminated unexpectedly
  'NJS-503', // connection could not be established
  'NJS-510', // connection timed out
  'NJS-511', // connection refused
  'NJS-518', // service not registered with the listener (Thin's ORA-12514)
  'NJS-521', // end-of-file on communication channel
  'NJS-530', // host unresolvable
  'DPI-1080', // connection was closed by ORA-%d (Thick; the driver also rewrites it to NJS-500)
  'NJS-003', // invalid or closed connection (Thick's DPI-1010 "not connected" is rewritten to it)
]);

/** ORA- numbers for a value our schema refuses: NULL (Oracle's empty string), check, too long. */
const INVALID_VALUE_ORA = new Set([
  1400, // cannot insert NULL: an empty user_id arrives as NULL
  2290, // check constraint violated
  12899, // value too large for column
  42700, // a JSON value that the column's JSON type modifier refuses (payload not an object)
]);

/** ORA- numbers that mean the service's own account is refused: an operator must act, no retry helps. */
const CREDENTIALS_ORA: Readonly<Record<number, string>> = {
  1017: 'ORA-01017: invalid username or password',
  28000: 'ORA-28000: the account is locked',
  28001: 'ORA-28001: the password has expired',
};
/** NJS- codes for a JSON value Oracle's JSON type cannot hold. */
const UNSUPPORTED_JSON_CODES = new Set([
  'NJS-114', // OSON field name longer than the server allows
  'NJS-115', // number outside Oracle NUMBER's range (|x| >= 1e126 or < 1e-130)
  'NJS-195', // non-finite number
]);

interface DriverErrorFields {
  errorNum: number | undefined;
  code: string;
}

function fields(err: unknown): DriverErrorFields {
  if (typeof err !== 'object' || err === null) return { errorNum: undefined, code: '' };
  const { errorNum, code } = err as { errorNum?: unknown; code?: unknown };
  return {
    errorNum: typeof errorNum === 'number' && errorNum > 0 ? errorNum : undefined,
    code: typeof code === 'string' ? code : '',
  };
}

function retryLater(detail: string, cause: unknown): AppError {
  return new AppError('databaseUnavailable', { detail, retryAfterSeconds: 1, cause });
}

/** Maps a driver error to an AppError; anything not in the table becomes a 500. */
export function mapOracleError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const { errorNum, code } = fields(err);
  if (errorNum !== undefined && CONFLICT_ORA.has(errorNum)) {
    return new AppError('conflict', { detail: 'A record with this id exists already.', cause: err });
  }
  const own = errorNum === undefined ? undefined : RECORDS_API_ERRORS[errorNum];
  if (own !== undefined) {
    return new AppError('validationFailed', { detail: own, extra: { database_code: errorNum }, cause: err });
  }
  if (credentialRefusal(err) !== undefined) return accountRefused(err);
  if (TIMEOUT_CODES.has(code) || (errorNum !== undefined && TIMEOUT_ORA.has(errorNum))) {
    return new AppError('databaseTimeout', { detail: 'The database did not answer in time.', cause: err });
  }
  if (UNAVAILABLE_CODES.has(code) || (errorNum !== undefined && UNAVAILABLE_ORA.has(errorNum))) {
    return retryLater('The database cannot serve this request now; retry later.', err);
  }
  if (errorNum !== undefined && INVALID_VALUE_ORA.has(errorNum)) {
    return new AppError('validationFailed', {
      detail: 'The database refused a value in this request.',
      cause: err,
    });
  }
  if (UNSUPPORTED_JSON_CODES.has(code)) {
    return new AppError('unsupportedJsonValue', {
      detail: 'The payload holds a value Oracle Database cannot store.',
      cause: err,
    });
  }
  return new AppError('internal', { detail: 'The server failed to answer this request.', cause: err });
}

/** True for errors that come from node-oracledb or the database (they carry an ORA-/NJS-/DPI- code). */
export function isDriverError(err: unknown): boolean {
  const { errorNum, code } = fields(err);
  return errorNum !== undefined || /^(ORA|NJS|DPI)-\d+$/.test(code);
}

/**
 * What the database said when it refused the service's account (ORA-01017, ORA-28000,
 * ORA-28001), or undefined for any other error. Those are a misconfiguration, not an outage:
 * they stop the start and make /ready say why, rather than answer 503 with Retry-After.
 */
export function credentialRefusal(err: unknown): string | undefined {
  const cause = err instanceof AppError ? err.cause : err;
  const { errorNum } = fields(cause);
  return errorNum === undefined ? undefined : CREDENTIALS_ORA[errorNum];
}

function accountRefused(err: unknown): AppError {
  return new AppError('internal', {
    detail: 'The database refused the account of this server; an operator must fix it (see /ready).',
    cause: err,
  });
}

/**
 * For failures to get a connection from the pool at all: 503 with Retry-After, except a refused
 * account (credentialRefusal), which no retry mends: 500.
 */
export function oracleUnavailable(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (credentialRefusal(err) !== undefined) return accountRefused(err);
  return retryLater('The database cannot be reached; retry later.', err);
}

/** True for mapped errors after which the session should not go back to the pool. */
export function sessionIsSuspect(err: AppError): boolean {
  return err.spec === ERRORS.databaseUnavailable || err.spec === ERRORS.databaseTimeout;
}
