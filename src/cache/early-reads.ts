/**
 * Records whose L2 read a request started early (RecordCache.prefetchRecord), counted while the
 * request that started them is in progress. For L1 each is a load in flight: L1 keeps the rank of
 * a newer write of it as a floor that refuses the early read's state. The request releases its
 * read when it ends (api/middleware/prefetch-record.ts), and getRecord once it has used it, so the
 * count holds no more than the requests in progress.
 */
import type { CacheMark, RecordEntry, RecordPrefetch } from '../domain/record-cache.js';
import type { RecordId } from '../domain/record-id.js';
import { recordKey } from './cache-keys.js';

/** What an early read started: the L2 read, and the L1 mark taken before it. */
export interface EarlyRead extends RecordPrefetch {
  mark: CacheMark;
  read: Promise<{ rank: number; entry: RecordEntry | null } | undefined>;
}

export class EarlyReads {
  /** Early reads in progress, by record key. */
  private readonly inFlight = new Map<string, number>();

  has(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** Notes the read as in flight; the mark must come before the read starts. */
  start(id: RecordId, mark: () => CacheMark, read: () => EarlyRead['read']): EarlyRead {
    const key = recordKey(id);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    const m = mark();
    let released = false;
    return {
      id,
      mark: m,
      read: read(),
      release: () => {
        if (released) return;
        released = true;
        const left = (this.inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(key, left);
        else this.inFlight.delete(key);
      },
    };
  }

  /** The request's own early read of this id, if it has one. */
  static of(prefetched: RecordPrefetch | undefined, id: RecordId): EarlyRead | undefined {
    const early = prefetched as EarlyRead | undefined;
    return early?.id === id && 'read' in early ? early : undefined;
  }
}
