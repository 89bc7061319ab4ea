/**
 * Records whose L2 read a request started early (RecordCache.prefetchRecord), in the last L1
 * lifetime. For L1 each is a load in flight: L1 keeps the rank of a newer write of it as a floor
 * that refuses the early read's state. Past an L1 lifetime a read's mark is too old to fill L1
 * anyway; one pushed out sooner (more than 10,000 at once) makes L1 refuse every put read before.
 */
import { LRUCache } from 'lru-cache';
import type { CacheMark, RecordEntry, RecordPrefetch } from '../domain/record-cache.js';
import type { RecordId } from '../domain/record-id.js';
import { recordKey } from './cache-keys.js';

/** What an early read started: the L2 read, and the L1 mark taken before it. */
export interface EarlyRead extends RecordPrefetch {
  mark: CacheMark;
  read: Promise<{ rank: number; entry: RecordEntry | null } | undefined>;
}

export class EarlyReads {
  private readonly reads: LRUCache<string, true>;

  /** evicted: one was pushed out before its lifetime ended (L1 must then forget its loads). */
  constructor(l1TtlMs: number, evicted: () => void) {
    this.reads = new LRUCache<string, true>({
      max: 10_000,
      ttl: Math.max(1, l1TtlMs),
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') evicted();
      },
    });
  }

  has(key: string): boolean {
    return this.reads.has(key);
  }

  /** Notes the read as in flight; the mark must come before the read starts. */
  start(id: RecordId, mark: () => CacheMark, read: () => EarlyRead['read']): EarlyRead {
    this.reads.set(recordKey(id), true);
    const m = mark();
    return { id, mark: m, read: read() };
  }

  /** The request's own early read of this id, if it has one. */
  static of(prefetched: RecordPrefetch | undefined, id: RecordId): EarlyRead | undefined {
    const early = prefetched as EarlyRead | undefined;
    return early?.id === id && 'read' in early ? early : undefined;
  }
}
