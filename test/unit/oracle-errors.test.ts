/**
 * One test per row of the table from node-oracledb errors to the service's errors. The errors
 * are built the way the driver builds them (its own errors module), so the codes pinned here are
 * the installed driver's: a server error becomes `Error(message)` + errorNum run through
 * transformErr, which is also what rewrites ORA-03113 and friends to NJS-500.
 */
import { createRequire } from 'node:module';
import { AppError } from '../../src/domain/errors.js';
import {
  credentialRefusal,
  isDriverError,
  mapOracleError,
  oracleUnavailable,
  RECORDS_API_ERRORS,
  sessionIsSuspect,
} from '../../src/data/oracle/oracle-errors.js';

interface DriverErrors {
  getErr(num: number, ...args: unknown[]): Error & { code: string };
  transformErr(err: Error): Error & { code: string; errorNum?: number };
  [name: string]: unknown;
}
const driver = createRequire(import.meta.url)('oracledb/lib/errors.js') as DriverErrors;

/** A driver-side error (NJS-nnn) the way node-oracledb raises it. */
function njs(constant: string, ...args: unknown[]): Error {
  const num = driver[constant];
  if (typeof num !== 'number') throw new Error(`no ${constant} in the installed driver`);
  return driver.getErr(num, ...args);
}

/** A database error (ORA-nnnnn) the way the Thin driver raises it. */
function ora(num: number, text = 'from the database'): Error {
  const err = Object.assign(new Error(`ORA-${String(num).padStart(5, '0')}: ${text}`), { errorNum: num });
  return driver.transformErr(err);
}

/** A Thick-mode ODPI-C error (DPI-nnnn), which carries no errorNum. */
function dpi(code: string, text: string): Error {
  return driver.transformErr(new Error(`${code}: ${text}`));
}

type Row = [label: string, make: () => unknown, status: number, code: string];

const rows: Row[] = [
  ['ORA-00001 unique constraint violated', () => ora(1), 409, 'DAPI-4091'],
  ['ORA-20001 records_api_v1: item count differs', () => ora(20001), 400, 'DAPI-4001'],
  // Only the package's own codes are the client's fault; Oracle-supplied PL/SQL raises in the
  // same range (Oracle Text reports through ORA-20000), and 20002..20004 are retired.
  ['ORA-20000 raised by Oracle-supplied code (Oracle Text)', () => ora(20000), 500, 'DAPI-5001'],
  ['ORA-20002 retired records_api code', () => ora(20002), 500, 'DAPI-5001'],
  ['ORA-20004 retired records_api code', () => ora(20004), 500, 'DAPI-5001'],
  ['ORA-20999 another application error', () => ora(20999), 500, 'DAPI-5001'],
  ['ORA-01017 invalid username or password', () => ora(1017), 500, 'DAPI-5001'],
  ['ORA-28000 account locked', () => ora(28000), 500, 'DAPI-5001'],
  ['ORA-28001 password expired', () => ora(28001), 500, 'DAPI-5001'],
  ['ORA-42700 JSON type modifier refuses the value', () => ora(42700), 400, 'DAPI-4001'],
  ['NJS-123 call timeout (Thin)', () => njs('ERR_CALL_TIMEOUT_EXCEEDED', 5000), 504, 'DAPI-5041'],
  [
    'DPI-1067 call timeout (Thick)',
    () => dpi('DPI-1067', 'call timeout of 5000 ms exceeded with ORA-3156'),
    504,
    'DAPI-5041',
  ],
  ['ORA-01013 user requested cancel', () => ora(1013), 504, 'DAPI-5041'],
  ['ORA-56735 elapsed time limit exceeded', () => ora(56735), 504, 'DAPI-5041'],
  ['NJS-040 pool queue timeout', () => njs('ERR_CONN_REQUEST_TIMEOUT', 5000), 503, 'DAPI-5032'],
  ['NJS-076 pool queue full', () => njs('ERR_QUEUE_MAX_EXCEEDED', 500), 503, 'DAPI-5032'],
  ['NJS-064 pool closing', () => njs('ERR_POOL_CLOSING'), 503, 'DAPI-5032'],
  ['NJS-065 pool closed', () => njs('ERR_POOL_CLOSED'), 503, 'DAPI-5032'],
  ['NJS-500 connection closed', () => njs('ERR_CONNECTION_CLOSED'), 503, 'DAPI-5032'],
  ['NJS-501 connection lost', () => njs('ERR_CONNECTION_LOSTCONTACT', 'db', 1521, 'x', ''), 503, 'DAPI-5032'],
  [
    'NJS-503 connection not established',
    () => njs('ERR_CONNECTION_INCOMPLETE', 'db', 1521, 'x', ''),
    503,
    'DAPI-5032',
  ],
  [
    'NJS-510 connect timeout',
    () => njs('ERR_CONNECTION_TIMEDOUT', 'db', 1521, 'connectTimeout', 60, 'x'),
    503,
    'DAPI-5032',
  ],
  [
    'NJS-511 connection refused',
    () => njs('ERR_CONNECTION_REFUSED', 'db', 1521, 'x', 'ECONNREFUSED'),
    503,
    'DAPI-5032',
  ],
  [
    'NJS-518 service not registered (ORA-12514)',
    () => njs('ERR_INVALID_SERVICE_NAME', 'FREEPDB1', 'db', 1521, 'x'),
    503,
    'DAPI-5032',
  ],
  ['NJS-521 end-of-file', () => njs('ERR_CONNECTION_EOF', 'db', 1521, 'x'), 503, 'DAPI-5032'],
  ['NJS-530 host not found', () => njs('ERR_HOST_NOT_FOUND'), 503, 'DAPI-5032'],
  [
    'DPI-1080 connection closed (Thick)',
    () => dpi('DPI-1080', 'connection was closed by ORA-3113'),
    503,
    'DAPI-5032',
  ],
  [
    'DPI-1010 not connected (Thick), rewritten to NJS-003',
    () => dpi('DPI-1010', 'not connected'),
    503,
    'DAPI-5032',
  ],
  ...[
    18, 20, 28, 60, 1033, 1034, 1089, 1092, 3113, 3114, 3135, 8177, 12170, 12514, 12516, 12519, 12520, 12528,
    12537, 12541, 12547,
    // A package replaced or invalidated under the session: running it again succeeds.
    4021, 4061, 4065, 4068, 6508,
  ].map((n): Row => [
    `ORA-${String(n).padStart(5, '0')} database unavailable`,
    () => ora(n),
    503,
    'DAPI-5032',
  ]),
  ['ORA-01400 cannot insert NULL (an empty string)', () => ora(1400), 400, 'DAPI-4001'],
  ['ORA-02290 check constraint violated', () => ora(2290), 400, 'DAPI-4001'],
  ['ORA-12899 value too large for column', () => ora(12899), 400, 'DAPI-4001'],
  ['NJS-115 number outside Oracle NUMBER', () => njs('ERR_ORACLE_NUMBER_NO_REPR'), 400, 'DAPI-4004'],
  ['NJS-114 OSON field name too long', () => njs('ERR_OSON_FIELD_NAME_LIMITATION', 255), 400, 'DAPI-4004'],
  ['NJS-195 non-finite JSON number', () => njs('ERR_NON_FINITE_JSON_NUMBER'), 400, 'DAPI-4004'],
  ['ORA-00942 table or view does not exist', () => ora(942), 500, 'DAPI-5001'],
  ['ORA-06550 PL/SQL compilation error', () => ora(6550), 500, 'DAPI-5001'],
  ['NJS-098 wrong number of binds', () => njs('ERR_WRONG_NUMBER_OF_BINDS'), 500, 'DAPI-5001'],
  ['a plain Error', () => new Error('boom'), 500, 'DAPI-5001'],
  ['a thrown string', () => 'boom', 500, 'DAPI-5001'],
];

describe('mapOracleError', () => {
  test.each(rows)('when %s, then it answers its catalog error', (_label, make, status, code) => {
    const err = make();
    const mapped = mapOracleError(err);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped.status).toBe(status);
    expect(mapped.spec.code).toBe(code);
    expect(mapped.cause).toBe(err);
    if (status === 503) expect(mapped.retryAfterSeconds).toBe(1);
    else expect(mapped.retryAfterSeconds).toBeUndefined();
  });

  test('when the driver reports a lost connection, then the code is rewritten to NJS-500 but errorNum stays', () => {
    const err = ora(3113) as Error & { code: string; errorNum: number };
    expect(err.code).toBe('NJS-500');
    expect(err.errorNum).toBe(3113);
  });

  test('when records_api raises one of its codes, then the detail is that code entry', () => {
    for (const [num, detail] of Object.entries(RECORDS_API_ERRORS)) {
      const mapped = mapOracleError(ora(Number(num)));
      expect(mapped.detail).toBe(detail);
      expect(mapped.extra).toEqual({ database_code: Number(num) });
    }
  });

  test('when only the message names an ORA- code, then nothing is matched on it', () => {
    const mapped = mapOracleError(new Error('ORA-00001: unique constraint (X.RECORDS_PK) violated'));
    expect(mapped.status).toBe(500);
  });

  test('when the error is an AppError already, then it passes through unchanged', () => {
    const app = new AppError('recordNotFound', { detail: 'no' });
    expect(mapOracleError(app)).toBe(app);
    expect(oracleUnavailable(app)).toBe(app);
  });
});

describe('oracleUnavailable, isDriverError and sessionIsSuspect', () => {
  test('when getting a connection fails, then it answers 503 with Retry-After', () => {
    for (const err of [ora(12541), njs('ERR_CONN_REQUEST_TIMEOUT', 5000), new Error('anything')]) {
      const mapped = oracleUnavailable(err);
      expect(mapped.status).toBe(503);
      expect(mapped.retryAfterSeconds).toBe(1);
    }
  });

  test('when the database refuses the account, then no retry is offered: 500 without Retry-After, and the reason is named', () => {
    for (const [num, reason] of [
      [1017, 'ORA-01017: invalid username or password'],
      [28000, 'ORA-28000: the account is locked'],
      [28001, 'ORA-28001: the password has expired'],
    ] as const) {
      const mapped = oracleUnavailable(ora(num));
      expect(mapped.status).toBe(500);
      expect(mapped.retryAfterSeconds).toBeUndefined();
      expect(sessionIsSuspect(mapped)).toBe(false);
      expect(credentialRefusal(ora(num))).toBe(reason);
      // Also once mapped: the storage reads the reason from the AppError's cause.
      expect(credentialRefusal(mapped)).toBe(reason);
    }
    expect(credentialRefusal(ora(12541))).toBeUndefined();
    expect(credentialRefusal(new Error('ORA-01017: text only'))).toBeUndefined();
  });

  test('when an error carries an ORA-/NJS-/DPI- code, then it is a driver error; otherwise not', () => {
    expect(isDriverError(ora(1))).toBe(true);
    expect(isDriverError(njs('ERR_CONN_REQUEST_TIMEOUT', 1))).toBe(true);
    expect(isDriverError(dpi('DPI-1080', 'closed'))).toBe(true);
    expect(isDriverError(new Error('ORA-00001: text only'))).toBe(false);
    expect(isDriverError(new AppError('internal', { detail: 'x' }))).toBe(false);
    expect(isDriverError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
  });

  test('when the mapped error is a 503 or a 504, then the session is not reused', () => {
    expect(sessionIsSuspect(mapOracleError(ora(3113)))).toBe(true);
    expect(sessionIsSuspect(mapOracleError(njs('ERR_CALL_TIMEOUT_EXCEEDED', 1)))).toBe(true);
    expect(sessionIsSuspect(mapOracleError(ora(1)))).toBe(false);
    expect(sessionIsSuspect(mapOracleError(ora(942)))).toBe(false);
  });
});
