/** The canonical form an Idempotency-Key fingerprint covers (src/services/request-fingerprint.ts). */
import { canonicalJson, requestFingerprint } from '../../src/services/request-fingerprint.js';

describe('the canonical form of a request body', () => {
  test('when members come in another order, at any depth, then the form is the same', () => {
    const a = JSON.parse('{"b":{"y":[{"q":1,"p":2}],"x":null},"a":"1"}') as unknown;
    const b = JSON.parse(
      ' { "a" : "1" , "b" : { "x" : null , "y" : [ { "p" : 2 , "q" : 1 } ] } } ',
    ) as unknown;
    expect(canonicalJson(a)).toBe('{"a":"1","b":{"x":null,"y":[{"p":2,"q":1}]}}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(requestFingerprint('createRecord', a)).toBe(requestFingerprint('createRecord', b));
  });

  test('when names differ only past the first code unit, then they are ordered by UTF-16 code units, as RFC 8785 does', () => {
    // U+FB01 sorts after U+1F600 by code point, before it by UTF-16 code unit (0xD83D < 0xFB01).
    expect(canonicalJson({ '\ufb01': 1, '\u{1f600}': 2, '': 3, a: 4, A: 5 })).toBe(
      '{"":3,"A":5,"a":4,"\u{1f600}":2,"\ufb01":1}',
    );
  });

  test('when a value, an array order, a type or the operation differs, then the fingerprint differs', () => {
    const base = requestFingerprint('createRecord', { a: [1, 2], n: 1 });
    expect(requestFingerprint('createRecord', { a: [2, 1], n: 1 })).not.toBe(base);
    expect(requestFingerprint('createRecord', { a: [1, 2], n: '1' })).not.toBe(base);
    expect(requestFingerprint('createRecord', { a: [1, 2], n: 1, m: null })).not.toBe(base);
    expect(requestFingerprint('bulkCreateRecords', { a: [1, 2], n: 1 })).not.toBe(base);
    expect(requestFingerprint('createRecord', JSON.parse('{"n":1.0,"a":[1,2]}'))).toBe(base);
  });
});
