/**
 * The err serializer of every log line (src/observability/log-errors.ts): what drivers attach
 * about the request is dropped, quoted values in messages are replaced, the rest stays.
 * test/integration/driver-error-logs.test.ts shows it on real 5xx answers.
 */
import { serializeError } from '../../src/observability/log-errors.js';
import { estimatedEntropyBits, weakness } from '../../src/config/secret-strength.js';

const MARKER = 'CARD-4111-1111-1111-1111';

describe('the err serializer', () => {
  test('when an error quotes a value, carries binds or a failing row, or wraps one that does, then those are gone', () => {
    const pg = Object.assign(new Error(`invalid input syntax for type uuid: "${MARKER}"`), {
      code: '22P02',
      routine: 'string_to_uuid',
      params: [MARKER],
      query: 'SELECT * FROM records WHERE id = $1',
      detail: `Failing row contains (${MARKER}).`,
    });
    // node-oracledb: the value is quoted in the message; the code and number stay.
    const ora = Object.assign(new Error(`ORA-01722: invalid number "${MARKER}"`), {
      errorNum: 1722,
      code: 'ORA-01722',
    });
    const wrapped = new Error('the server failed', { cause: pg });
    for (const err of [pg, ora, wrapped]) {
      const line = JSON.stringify(serializeError(err));
      expect(line).not.toContain(MARKER);
      expect(line).not.toContain('SELECT');
    }
    expect(serializeError(pg)).toMatchObject({
      type: 'Error',
      code: '22P02',
      routine: 'string_to_uuid',
      message: 'invalid input syntax for type uuid: "[redacted]"',
    });
    expect(serializeError(ora)).toMatchObject({ errorNum: 1722, code: 'ORA-01722' });
    expect(serializeError(new Error('relation "records" does not exist'))).toMatchObject({
      message: 'relation "records" does not exist',
    });
  });
});

describe('secret strength', () => {
  test('when a secret is random, then it passes; identical, repeated or short ones do not', () => {
    expect(weakness('9f4c1e7ab2d85063f1e9c47a0b6d3825')).toBeUndefined();
    expect(estimatedEntropyBits('a'.repeat(32))).toBe(0);
    expect(weakness('a'.repeat(32))).toBe('one sequence repeated');
    expect(weakness('0123')).toMatch(/shorter than 32/);
    expect(weakness('passwordpasswordpasswordpassword1')).toMatch(/too predictable/);
  });
});
