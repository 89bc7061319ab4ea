import { applyMergePatch } from '../../src/services/merge-patch.js';
import { parseJsonExact, type JsonValue } from '../../src/domain/json-value.js';

// RFC 7396, Appendix A.
const CASES: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('JSON merge patch (RFC 7396)', () => {
  test.each(CASES)('when %j is patched with %j, then %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  test('when the inputs are patched, then neither is changed', () => {
    const target = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    applyMergePatch(target, patch);
    expect(target).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: 2 } });
  });

  test('when a patch holds a "__proto__" member, then it is an ordinary member', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as JsonValue;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(result)).toBe('{"__proto__":{"polluted":true}}');
  });

  test('when numbers are kept as their text, then untouched ones keep it and new ones are set as sent', () => {
    const target = parseJsonExact(
      '{"keep":9007199254740993,"one":1.0,"obj":{"x":0.1000000000000000055511151231257827},"was":{"a":1}}',
    ) as JsonValue;
    const patch = parseJsonExact(
      '{"one":null,"obj":{"y":18446744073709551615},"n":-0,"was":1E+2}',
    ) as JsonValue;
    expect(JSON.stringify(applyMergePatch(target, patch))).toBe(
      '{"keep":9007199254740993,"obj":{"x":0.1000000000000000055511151231257827,"y":18446744073709551615},' +
        '"was":1E+2,"n":-0}',
    );
  });
});
