/**
 * Which payload numbers the Oracle adapter keeps, without a server: Oracle's NUMBER limits (38
 * significant digits, 1e-130 <= |x| < 1e126), BINARY_DOUBLE, and the way node-oracledb carries a
 * JSON number (a double written as NUMBER). The driver half is checked with the installed
 * node-oracledb's own OSON encoder and decoder, the code that turns a payload into the bytes a
 * JSON column receives and back.
 */
import { createRequire } from 'node:module';
import { AppError } from '../../src/domain/errors.js';
import type { JsonText } from '../../src/domain/json-value.js';
import {
  isExactDouble,
  oracleJsonValue,
  oracleNumberKind,
  oracleNumberProblem,
  oraclePayload,
  oraclePayloadText,
} from '../../src/data/oracle/oracle-json-numbers.js';

const require = createRequire(import.meta.url);
const { OsonEncoder, OsonDecoder } = require('oracledb/lib/impl/datahandlers/oson.js') as {
  OsonEncoder: new () => { encode(value: unknown, maxFieldNameSize: number): Buffer };
  OsonDecoder: new (buf: Buffer) => { decode(): unknown };
};
const { transformJsonValue } = require('oracledb/lib/transformer.js') as {
  transformJsonValue(v: unknown): unknown;
};

/** Encodes as node-oracledb does for a DB_TYPE_JSON bind (23ai field-name limit) and decodes back. */
function throughOson(value: unknown): unknown {
  return new OsonDecoder(new OsonEncoder().encode(transformJsonValue(value), 65535)).decode();
}

/** True when the driver encodes n without NJS-115 and decodes exactly n back (-0 as 0). */
function driverKeeps(n: number): boolean {
  try {
    return Object.is((throughOson({ n }) as { n: number }).n, n === 0 ? 0 : n);
  } catch (err) {
    if ((err as { code?: string }).code === 'NJS-115') return false;
    throw err;
  }
}

const NINES_38 = '9'.repeat(38);
const TWO_POW_200 = (2n ** 200n).toString();
const TENTH_EXACT = '0.1000000000000000055511151231257827021181583404541015625';

describe('what Oracle JSON holds exactly', () => {
  test.each([
    ['zero', '0', 'number'],
    ['-0', '-0', 'number'],
    ['38 significant digits', NINES_38, 'number'],
    ['38 digits at the top of the range', `${NINES_38.slice(0, 1)}.${NINES_38.slice(1)}e125`, 'number'],
    ['2^64 - 1', '18446744073709551615', 'number'],
    ['a 34-digit decimal', '0.1000000000000000055511151231257827', 'number'],
    ['the smallest NUMBER', '1e-130', 'number'],
    ['39 significant digits', `1${NINES_38}`.replace(/9$/, '1'), 'none'],
    ['1e126', '1e126', 'none'],
    ['1e-131', '1e-131', 'none'],
    ['2^200 written out (61 digits, a double)', TWO_POW_200, 'binary-double'],
    ['the largest double', '1.7976931348623157e308', 'none'],
    ['the nearest double to 0.1, written out (55 digits)', TENTH_EXACT, 'binary-double'],
  ])('when %s is sent, then it is a %s', (_label, text, kind) => {
    expect(oracleNumberKind(text)).toBe(kind);
  });

  test.each([
    ['0.1', false],
    [TENTH_EXACT, true],
    ['9007199254740993', false],
    ['9007199254740992', true],
    ['1e22', true],
    ['1e23', false],
    ['-2.5', true],
    ['5e-324', false],
    ['1e400', false],
  ])('when %s is compared with its double, then exact is %s', (text, exact) => {
    expect(isExactDouble(text)).toBe(exact);
  });
});

describe('what the Oracle adapter keeps', () => {
  test.each([
    ['0.1', '0.1'],
    ['1.50', '1.5'],
    ['-0', '0'],
    ['1E+2', '100'],
    ['9007199254740992', '9007199254740992'],
    ['9.99e125', '9.99e+125'],
    ['1e-130', '1e-130'],
  ])('when %s is stored, then it is kept and reads back as %s', (sent, back) => {
    expect(oracleNumberProblem(sent)).toBeUndefined();
    const text = oraclePayload(`{"n":${sent}}` as JsonText, '/payload');
    expect(text).toBe(`{"n":${back}}`);
    // What the driver writes and reads back is what the write answered.
    expect(oraclePayloadText(throughOson(oracleJsonValue(text)) as never)).toBe(text);
  });

  test.each([
    ['2^53 + 1', '9007199254740993', 'more than the Oracle Database driver carries'],
    ['2^64 - 1', '18446744073709551615', 'more than the Oracle Database driver carries'],
    ['a 34-digit decimal', '0.1000000000000000055511151231257827', 'more than the Oracle Database driver'],
    ['39 significant digits', `1${'2'.repeat(38)}`, '39 significant digits; Oracle Database NUMBER keeps 38'],
    ['1e126', '1e126', 'outside the range Oracle Database NUMBER keeps'],
    ['5e-324', '5e-324', 'outside the range Oracle Database NUMBER keeps'],
    ['2^200 written out', TWO_POW_200, 'outside the range Oracle Database NUMBER keeps'],
  ])('when %s is sent, then it is refused: %s', (_label, text, words) => {
    expect(oracleNumberProblem(text)).toContain(words);
  });

  test('when doubles are checked, then the rule accepts exactly those the driver keeps', () => {
    const samples = [0, -0, 1, -1, 0.1, 3.141592653589793, 9007199254740991, 1e125, 9.999999999999999e125];
    samples.push(
      1e126,
      1.5e126,
      1e-130,
      1.5e-130,
      9.99e-131,
      1e-131,
      5e-324,
      1.7976931348623157e308,
      2 ** 60,
    );
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) samples.push((random() - 0.5) * 10 ** Math.floor(random() * 600 - 300));
    for (const n of samples) {
      expect([n, oracleNumberProblem(String(n)) === undefined]).toEqual([n, driverKeeps(n)]);
    }
  });

  test('when a number is just past NUMBER range, then it is refused although the driver would change it silently', () => {
    // node-oracledb 26 encodes 1.5e126 without NJS-115, and it reads back as another number.
    expect((throughOson({ n: 1.5e126 }) as { n: number }).n).not.toBe(1.5e126);
    expect(oracleNumberProblem('1.5e126')).toContain('outside the range');
  });

  test('when a payload holds a number the adapter cannot keep, then 400 points at it inside the body', () => {
    const sent = '{"ok":1,"a":{"b/c":[1,9007199254740993]}}' as JsonText;
    const err = (() => {
      try {
        oraclePayload(sent, '/items/3/payload');
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.spec.code).toBe('DAPI-4004');
    expect(err.errors?.[0]?.pointer).toBe('/items/3/payload/a/b~1c/1');
    expect(err.detail).toContain('/items/3/payload/a/b~1c/1');
  });

  test('when an accepted payload goes through the JSON type encoding, then it comes back identical', () => {
    const sent =
      '{"empty":"","nested":{"":"","list":["",0,-1.5,true,false,null]},"safe":9007199254740991,' +
      '"pi":3.141592653589793,"tenth":0.1,"big":9.99e125,"small":1e-130,"unicode":"ação 日本語 🚀 \\u2028"}';
    const text = oraclePayload(sent as JsonText, '/payload');
    expect(throughOson(oracleJsonValue(text))).toEqual(JSON.parse(sent));
  });
});
