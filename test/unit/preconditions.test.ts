import { parseIfMatch, parseIfNoneMatch } from '../../src/api/preconditions.js';
import { etagOf, noneMatchHits } from '../../src/services/record-views.js';

const ifNoneMatchHits = (header: string | undefined, version: number) =>
  noneMatchHits(parseIfNoneMatch(header), version);

describe('entity tags', () => {
  test('when a version is tagged, then it is a strong tag', () => {
    expect(etagOf(3)).toBe('"3"');
  });

  test.each([
    [undefined, undefined],
    ['*', { any: true }],
    [' * ', { any: true }],
    ['"3"', { any: false, versions: [3] }],
    ['"3", "5"', { any: false, versions: [3, 5] }],
    ['W/"3"', { any: false, versions: [] }],
    ['"abc"', { any: false, versions: [] }],
    ['"99999999999"', { any: false, versions: [] }],
  ])('when If-Match is %j, then %j', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  test.each(['3', '"3', 'W/3', '"3",', '"a"b"'])('when If-Match is %j, then it matches nothing', (header) => {
    expect(parseIfMatch(header)).toEqual({ any: false, versions: [] });
  });

  test('when If-None-Match lists the current tag, weak or strong, then it hits', () => {
    expect(ifNoneMatchHits(undefined, 1)).toBe(false);
    expect(ifNoneMatchHits('"1"', 1)).toBe(true);
    expect(ifNoneMatchHits('W/"1"', 1)).toBe(true);
    expect(ifNoneMatchHits('"2", "1"', 1)).toBe(true);
    expect(ifNoneMatchHits('*', 1)).toBe(true);
    expect(ifNoneMatchHits('"2"', 1)).toBe(false);
  });
});
