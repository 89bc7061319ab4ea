import { CursorCodec } from '../../src/services/cursor.js';
import { filterDigest } from '../../src/services/record-listing.js';
import { parseJsonExact, type JsonObject, type JsonText } from '../../src/domain/json-value.js';

const scope = { userId: 'u1', createdAfter: null, createdBefore: '2030-01-01T00:00:00.000Z' };
const position = { createdAt: '2026-11-30T00:00:00.123Z', id: '01937a4e-8f2c-7cc1-9b1e-5f4a2d3c1b0a' };

describe('cursor codec', () => {
  const codec = new CursorCodec(Buffer.alloc(32, 7));

  test('when a cursor is decoded for the scope it was made for, then the position comes back', () => {
    const cursor = codec.encode(scope, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor, scope)).toEqual(position);
  });

  test('when the user or a filter differs, then the cursor is refused', () => {
    const cursor = codec.encode(scope, position);
    expect(codec.decode(cursor, { ...scope, userId: 'u2' })).toBeUndefined();
    expect(codec.decode(cursor, { ...scope, createdAfter: '2020-01-01T00:00:00.000Z' })).toBeUndefined();
    expect(codec.decode(cursor, { ...scope, createdBefore: null })).toBeUndefined();
  });

  test('when any byte is altered or the key differs, then the cursor is refused', () => {
    const cursor = codec.encode(scope, position);
    const [data, sig] = cursor.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ v: 1, u: 'u1', a: null, b: scope.createdBefore, t: position.createdAt, i: 'x' }),
    );
    expect(codec.decode(`${forged.toString('base64url')}.${sig}`, scope)).toBeUndefined();
    expect(
      codec.decode(`${data}.${sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, scope),
    ).toBeUndefined();
    expect(new CursorCodec(Buffer.alloc(32, 8)).decode(cursor, scope)).toBeUndefined();
    for (const junk of ['', '.', 'a.b.c', data, `${data}.`, '!!!.???']) {
      expect(codec.decode(junk, scope)).toBeUndefined();
    }
  });

  test("when a cursor is bound to a payload filter, then only that filter takes it, and a cursor of no filter is no filter's", () => {
    const digest = (text: string) =>
      filterDigest({ value: parseJsonExact(text) as JsonObject, text: text as JsonText });
    const filtered = { ...scope, contains: digest('{"a":1,"b":[1,2]}') };
    const cursor = codec.encode(filtered, position);
    expect(codec.decode(cursor, filtered)).toEqual(position);
    expect(codec.decode(cursor, scope)).toBeUndefined();
    expect(codec.decode(cursor, { ...scope, contains: digest('{"a":1}') })).toBeUndefined();
    // A cursor made before filters existed (no "f") is an unfiltered one, and stays valid.
    const plain = codec.encode(scope, position);
    expect(JSON.parse(Buffer.from(plain.split('.')[0]!, 'base64url').toString())).not.toHaveProperty('f');
    expect(codec.decode(plain, { ...scope, contains: null })).toEqual(position);
    expect(codec.decode(plain, filtered)).toBeUndefined();
  });

  test('when the same filter is written otherwise, then its digest is the same; another filter, another digest', () => {
    const digest = (text: string) =>
      filterDigest({ value: parseJsonExact(text) as JsonObject, text: text as JsonText });
    const one = digest('{"a":1,"n":100,"s":"é"}');
    for (const same of ['{ "n" : 1e2, "s":"\\u00e9", "a" : 1 }', '{"s":"é","n":1E+2,"a":1}'])
      expect(digest(same)).toBe(one);
    for (const other of ['{"a":1,"n":100.0,"s":"é"}', '{"a":1,"n":100}', '{"a":"1","n":100,"s":"é"}']) {
      expect([other, digest(other) === one]).toEqual([other, false]);
    }
    expect(digest('{"t":[1,2]}')).not.toBe(digest('{"t":[2,1]}'));
  });
});
