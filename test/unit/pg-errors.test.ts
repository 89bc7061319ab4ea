import { AppError } from '../../src/domain/errors.js';
import { dropsConnection, mapPgError, mapTransactionError, unavailable } from '../../src/data/pg-errors.js';

describe('PostgreSQL error table', () => {
  test.each([
    ['23505', 409, 'DAPI-4091'],
    ['57014', 504, 'DAPI-5041'],
    ['08006', 503, 'DAPI-5032'],
    ['08001', 503, 'DAPI-5032'],
    ['57P01', 503, 'DAPI-5032'],
    ['57P03', 503, 'DAPI-5032'],
    ['53300', 503, 'DAPI-5032'],
    ['40001', 503, 'DAPI-5032'],
    ['40P01', 503, 'DAPI-5032'],
    ['ECONNREFUSED', 503, 'DAPI-5032'],
    ['ECONNRESET', 503, 'DAPI-5032'],
    ['22P05', 400, 'DAPI-4004'],
    ['22P02', 400, 'DAPI-4004'],
    ['23514', 400, 'DAPI-4004'],
    ['42P01', 500, 'DAPI-5001'],
    ['XX000', 500, 'DAPI-5001'],
  ])('when the driver reports %s, then %i %s', (code, status, catalogCode) => {
    const mapped = mapPgError(Object.assign(new Error('driver text'), { code }));
    expect(mapped.status).toBe(status);
    expect(mapped.spec.code).toBe(catalogCode);
    expect(mapped.detail).not.toContain('driver text');
  });

  test('when the error has no code or is not an Error, then 500', () => {
    expect(mapPgError(new Error('x')).status).toBe(500);
    expect(mapPgError('boom').status).toBe(500);
    expect(mapPgError(null).status).toBe(500);
  });

  test('when an AppError passes through, then it is kept', () => {
    const err = new AppError('recordNotFound', { detail: 'x' });
    expect(mapPgError(err)).toBe(err);
  });

  test('when a 23514 comes from ExecFindPartition (no partition for the row), then 503 with Retry-After 60', () => {
    const miss = mapPgError(
      Object.assign(new Error('any text'), { code: '23514', routine: 'ExecFindPartition' }),
    );
    expect([miss.status, miss.spec.code, miss.retryAfterSeconds]).toEqual([503, 'DAPI-5032', 60]);
    const check = mapPgError(
      Object.assign(new Error('no partition of relation'), {
        code: '23514',
        routine: 'ExecConstraints',
        constraint: 'c',
      }),
    );
    expect([check.status, check.spec.code, check.retryAfterSeconds]).toEqual([400, 'DAPI-4004', undefined]);
  });

  test('when the database could not serve, then the connection is dropped; other errors keep it', () => {
    expect(dropsConnection(mapPgError(Object.assign(new Error('x'), { code: '57P01' })))).toBe(true);
    expect(dropsConnection(unavailable(new Error('x')))).toBe(true);
    expect(dropsConnection(mapPgError(Object.assign(new Error('x'), { code: '57014' })))).toBe(false);
    expect(dropsConnection(mapPgError(Object.assign(new Error('x'), { code: '23505' })))).toBe(false);
    expect(dropsConnection(new AppError('notReady', { detail: 'x' }))).toBe(false);
    expect(dropsConnection(new Error('x'))).toBe(false);
  });

  test('when a connection cannot be had, then 503 with Retry-After', () => {
    const err = unavailable(new Error('timeout'));
    expect(err.status).toBe(503);
    expect(err.retryAfterSeconds).toBe(1);
  });
});

describe('errors escaping a transaction', () => {
  test('when a driver error escapes, then it is mapped; our own errors pass unchanged', () => {
    expect((mapTransactionError(Object.assign(new Error('x'), { code: '57014' })) as AppError).status).toBe(
      504,
    );
    const own = new Error('migration changed');
    expect(mapTransactionError(own)).toBe(own);
    const app = new AppError('conflict', { detail: 'x' });
    expect(mapTransactionError(app)).toBe(app);
  });
});
