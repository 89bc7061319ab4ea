/**
 * The early reads in flight (src/cache/early-reads.ts): a record counts as loading while any
 * request that read it early is in progress, and stops when the last one releases its read.
 */
import { EarlyReads } from '../../src/cache/early-reads.js';
import { recordKey } from '../../src/cache/cache-keys.js';
import { recordIdOf } from '../../src/domain/record-id.js';
import type { CacheMark } from '../../src/domain/record-cache.js';

const id = recordIdOf('0190a0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b');
const mark = (): CacheMark => ({ seq: 1, at: 0 });
const read = () => Promise.resolve(undefined);

test('when two requests read a record early, then it is loading until both have released, and a second release counts once', () => {
  const reads = new EarlyReads();
  const first = reads.start(id, mark, read);
  const second = reads.start(id, mark, read);
  expect(reads.has(recordKey(id))).toBe(true);
  first.release();
  first.release(); // twice: still counts once
  expect(reads.has(recordKey(id))).toBe(true);
  second.release();
  expect(reads.has(recordKey(id))).toBe(false);
});

test('when the mark is taken, then the record already counts as loading, and the read starts after the mark', () => {
  const reads = new EarlyReads();
  const order: string[] = [];
  reads.start(
    id,
    () => {
      order.push(reads.has(recordKey(id)) ? 'mark while loading' : 'mark before loading');
      return mark();
    },
    () => {
      order.push('read');
      return read();
    },
  );
  expect(order).toEqual(['mark while loading', 'read']);
});

test('when an early read is handed over for another id, then it is not used', () => {
  const reads = new EarlyReads();
  const early = reads.start(id, mark, read);
  expect(EarlyReads.of(early, id)).toBe(early);
  expect(EarlyReads.of(early, recordIdOf('0190a0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0c'))).toBeUndefined();
  expect(EarlyReads.of(undefined, id)).toBeUndefined();
});
