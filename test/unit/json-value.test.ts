import { nestsDeeperThan, parseJsonText, scanJson } from '../../src/api/json-body.js';
import { AppError } from '../../src/domain/errors.js';
import { inspectJson } from '../../src/domain/json-value.js';

const limits = (maxDepth: number) => ({ maxDepth, maxDigits: 1000 });

describe('inspectJson', () => {
  test('when a value is storable, then no problem', () => {
    expect(
      inspectJson({ a: [1, 'ok', null, true, { b: -0 }], '': 'emoji 🚀' }, limits(4)).problem,
    ).toBeUndefined();
  });

  test.each([
    [{ a: { b: 'x\u0000' } }, '/a/b', 'U+0000'],
    [{ 'k\u0000': 1 }, '/k\u0000', 'U+0000'],
    [{ a: ['\ud800'] }, '/a/0', 'unpaired'],
    [{ 'a/b~c': Infinity }, '/a~1b~0c', 'double'],
    [{ a: [[[1]]] }, '/a/0/0', 'deeper than 3'],
  ])('when %j is inspected, then the problem is at %s', (value, pointer, words) => {
    const { problem } = inspectJson(value, limits(3));
    expect(problem?.pointer).toBe(pointer);
    expect(problem?.detail).toContain(words);
  });

  test('when nesting is hostile, then the walk does not overflow the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(inspectJson(deep, limits(32)).problem?.detail).toContain('deeper than 32');
  });
});

describe('nestsDeeperThan', () => {
  test('when brackets sit inside strings or escapes, then they do not count', () => {
    expect(nestsDeeperThan('{"a":"[[[[[[","b":"\\"[[[["}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":[1]}}', 2)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":[1]}}', 3)).toBe(false);
  });
});

describe('parseJsonText', () => {
  const body = { bodyLimitBytes: 1024, maxDepth: 4, maxNumberDigits: 1000 };
  test('when text is valid, then it is parsed', () => {
    expect(parseJsonText(Buffer.from('{"a":1}'), body)).toEqual({ a: 1 });
  });
  test.each([
    ['{"a":1}x', 'DAPI-4002'],
    ['{"a":', 'DAPI-4002'],
    ['   ', 'DAPI-4001'],
    ['[[[[[1]]]]]', 'DAPI-4004'],
  ])('when the text is %j, then %s', (text, code) => {
    const err = (() => {
      try {
        parseJsonText(Buffer.from(text), body);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).spec.code).toBe(code);
  });
});

describe('scanJson', () => {
  test.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"x":{"b":1,"c":{"b":2},"b":3}}', 'b'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['[{"a":1},{"a":1}]', undefined],
    ['{"a":"{\\"a\\":1}","b":["a","a"]}', undefined],
  ])('when %s is scanned, then the duplicate is %s', (text, dup) => {
    expect(scanJson(text, 10).duplicateKey).toBe(dup);
  });
});
