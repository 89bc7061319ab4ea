/**
 * Payload numbers as text: which a double would change, how PostgreSQL writes them back (the
 * live servers confirm it in test/integration/json-numbers-postgres.test.ts), the range and digit
 * rules, the parse that keeps them and the compact form of jsonb's text.
 */
import {
  doubleKeepsText,
  numberParts,
  numberProblem,
  plainDecimal,
  plainDigitCount,
  storedGrowth,
} from '../../src/domain/json-numbers.js';
import {
  compactJsonText,
  hasInexactNumber,
  inspectJson,
  isExactNumber,
  isJsonObject,
  parseJsonExact,
} from '../../src/domain/json-value.js';
import { POSTGRES_WRITES } from '../helpers/number-cases.js';

describe('numbers as PostgreSQL writes them', () => {
  test.each(POSTGRES_WRITES)('when %s is stored, then it reads back as %s', (sent, stored) => {
    expect(plainDecimal(sent)).toBe(stored);
    expect(plainDigitCount(numberParts(sent))).toBe(stored.replace(/[-.]/g, '').length);
    expect(storedGrowth(sent)).toBe(stored.length - sent.length);
  });

  test('when exponents move the point across the digits, then the count of digits matches the text', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 2000; i++) {
      const int = random(3) === 0 ? '0' : `${1 + random(9)}${'0123456789'.slice(random(10))}`;
      const frac = random(2) === 0 ? '' : `.${'0'.repeat(random(4))}${random(1000)}`;
      const exp = random(2) === 0 ? '' : `e${random(2) ? '-' : '+'}${random(40)}`;
      const text = `${random(2) ? '-' : ''}${int}${frac}${exp}`;
      const written = plainDecimal(text);
      expect([text, plainDigitCount(numberParts(text))]).toEqual([text, written.replace(/[-.]/g, '').length]);
      expect([text, storedGrowth(text)]).toEqual([text, written.length - text.length]);
      expect([text, Number(written)]).toEqual([text, Number(text) === 0 ? 0 : Number(text)]);
    }
  });
});

describe('which numbers a double keeps', () => {
  test.each(['0', '7', '-15', '123456789012345', '0.5', '9.99', '1e+21', '1e-7', '-1.5'])(
    'when %s is parsed, then the double writes the same text',
    (text) => expect(doubleKeepsText(text)).toBe(true),
  );
  test.each([
    '9007199254740993',
    '18446744073709551615',
    '1.0',
    '1E+2',
    '1e2',
    '-0',
    '0.1000000000000000055511151231257827',
    '1e400',
    '1e-400',
  ])('when %s is parsed, then a double would change it', (text) => expect(doubleKeepsText(text)).toBe(false));
});

test('when plain decimals of up to 17 digits are checked, then the quick answer is what a double writes', () => {
  let seed = 3;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 20_000; i++) {
    const digits = Array.from({ length: 1 + random(17) }, () => random(10)).join('');
    const point = random(digits.length + 8) - 7;
    const text =
      point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
    const token = `${random(2) ? '-' : ''}${text.replace(/\.$/, '').replace(/^0+(?=\d)/, '')}`;
    expect([token, doubleKeepsText(token)]).toEqual([token, String(Number(token)) === token]);
  }
});

describe('the rules a stored number keeps', () => {
  const limits = { maxDigits: 1000 };
  test.each([
    ['1e400', '1e400', 'outside the range of a double'],
    ['-1e400', '-1e400', 'outside the range of a double'],
    ['1e-400', '1e-400', 'outside the range of a double'],
    ['10^400 in digits', `1${'0'.repeat(400)}`, 'outside the range of a double'],
    ['0e99999999999999999999', '0e99999999999999999999', 'outside the range of a double'],
    ['0e-20000', '0e-20000', 'more than 1000 digits'],
    ['0.(1,000 ones)', `0.${'1'.repeat(1000)}`, 'more than 1000 digits'],
  ])('when %s is sent, then it is refused', (_label, text, words) => {
    expect(numberProblem(text, limits)).toContain(words);
  });

  test.each([
    ['2^64 - 1', '18446744073709551615'],
    ['a 30-digit negative integer', '-123456789012345678901234567890'],
    ['the largest double', '1.7976931348623157e308'],
    ['the smallest double', '5e-324'],
    ['0.(998 ones)', `0.${'1'.repeat(998)}`],
    ['0e400', '0e400'],
    ['-0', '-0'],
  ])('when %s is sent, then it is kept', (_label, text) =>
    expect(numberProblem(text, limits)).toBeUndefined(),
  );

  test('when the bound is lower, then the digits are counted as stored (1e300 has 301)', () => {
    expect(numberProblem('1e300', { maxDigits: 301 })).toBeUndefined();
    expect(numberProblem('1e300', { maxDigits: 300 })).toContain('more than 300 digits');
  });
});

describe('parseJsonExact', () => {
  test('when a number would change through a double, then it comes back as its text; others as numbers', () => {
    const text =
      '{"max":9007199254740993,"one":1.0,"neg":-0,"pi":3.14159265358979323846264338327950288,"n":[1,0.5,"1.0"]}';
    const value = parseJsonExact(text) as Record<string, unknown>;
    expect(isExactNumber(value.max)).toBe(true);
    expect(isExactNumber(value.one)).toBe(true);
    expect(isExactNumber(value.neg)).toBe(true);
    expect(value.n).toEqual([1, 0.5, '1.0']);
    expect(isJsonObject(value.max)).toBe(false);
    expect(JSON.stringify(value)).toBe(text);
  });

  test('when numbers sit inside strings, then they do not count', () => {
    expect(hasInexactNumber('{"a":"9007199254740993 1.0 -0","b":[1,2]}')).toBe(false);
    expect(hasInexactNumber('{"a":"\\"","b":1.0}')).toBe(true);
    expect(parseJsonExact('{"a":"1.0"}', false)).toEqual({ a: '1.0' });
  });

  test('when a member is named __proto__, then it stays an ordinary member on the exact path too', () => {
    const value = parseJsonExact('{"__proto__":{"x":1.0}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"x":1.0}}');
  });
});

describe('compactJsonText', () => {
  test.each([
    ['{"a": 1, "b": [1, 2, {"c": null}]}', '{"a":1,"b":[1,2,{"c":null}]}'],
    ['{"a b": "c, d: e", "q": "x \\" y", "z": "\\\\"}', '{"a b":"c, d: e","q":"x \\" y","z":"\\\\"}'],
    ['{}', '{}'],
    ['{"a":1}', '{"a":1}'],
    [' {\n\t"a" :\r\n 1 } ', '{"a":1}'],
  ])('when %s is compacted, then %s', (text, compact) => {
    expect(compactJsonText(text)).toBe(compact);
    expect(JSON.parse(compact)).toEqual(JSON.parse(text));
  });
});

describe('inspectJson on exact numbers', () => {
  test('when an exact number breaks a rule, then the problem points at it; otherwise the growth is counted', () => {
    const limits = { maxDepth: 5, maxDigits: 1000 };
    const bad = parseJsonExact('{"a":[1,{"b/c":1e-400}]}');
    expect(inspectJson(bad, limits, '/payload').problem).toEqual({
      pointer: '/payload/a/1/b~1c',
      detail: 'is a number outside the range of a double',
    });
    expect(inspectJson(parseJsonExact('{"a":1e300,"b":-0,"c":1e+21}'), limits)).toEqual({
      numberGrowth: 296 - 1 + (22 - 5),
    });
  });
});
