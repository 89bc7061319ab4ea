/**
 * L1: the in-process LRU of serialized records and first pages, bounded in bytes. It answers only
 * while it is trusted (see invalidation-bus.ts), and what it keeps is ordered:
 *
 * - A record's value carries its rank (versions.ts): a put of a lower rank than the one held is
 *   refused, so a late write-through or a slow reader never replaces a newer version or a
 *   delete. Another instance's announced rank is kept (a floor, never served) over a key held
 *   or being loaded here; a write of this process puts its bytes over a key not held only when
 *   no announcement can have been missed for it (putWritten).
 * - A first page's value carries the sequence number of the last invalidation; a page loaded
 *   before it is refused.
 * - What L1 forgets (an eviction, a clear) could have refused a put: a put whose data was read
 *   before something it might have needed was forgotten is refused, and so is one whose data is
 *   older than an L1 lifetime (a forgotten floor then could have expired).
 *
 * Nothing refreshes a lifetime: reads do not, and a put that brings nothing new is dropped.
 */
import { LRUCache } from 'lru-cache';
import type { CacheMark, RecordEntry } from '../domain/record-cache.js';
import type { RecordId } from '../domain/record-id.js';
import { pagesKey, recordKey } from './cache-keys.js';
import { FIRST_RANK, isDeleted } from './versions.js';

export interface L1Options {
  maxEntries: number;
  /** Most bytes held (entries' bytes and keys, plus a fixed overhead each). */
  maxBytes: number;
  /** Largest entry kept; a larger record or page is served but not kept. */
  maxEntryBytes: number;
  ttlMs: number;
}

/** What an entry costs besides its bytes and key: the objects around them, roughly. */
const OVERHEAD = 120;

type L1Value =
  | { kind: 'record'; seq: number; rank: number; entry?: RecordEntry }
  | { kind: 'page'; seq: number; bytes?: Buffer };

export class L1Store {
  private readonly lru: LRUCache<string, L1Value>;
  /** Every put takes the next number; a mark is the number when a load or write began. */
  private seq = 0;
  /** The newest seq among the values forgotten (evicted or cleared): puts marked before it may be stale. */
  private forgottenAt = 0;
  /** Users whose records were being erased, with the seq and time of the last batch heard of. */
  private readonly erased = new Map<string, { seq: number; at: number }>();

  /**
   * trusted(): whether L1 may answer and be filled now (it holds nothing while untrusted).
   * loading(key): whether a load of this key is in flight in this process.
   */
  constructor(
    private readonly options: L1Options,
    private readonly trusted: () => boolean,
    private readonly loading: (key: string) => boolean,
  ) {
    this.lru = new LRUCache<string, L1Value>({
      max: Math.max(1, options.maxEntries),
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: (v, k) => sizeOf(k, v),
      ttl: options.ttlMs,
      dispose: (v, _k, reason) => {
        if (reason === 'evict') this.forgottenAt = Math.max(this.forgottenAt, v.seq);
      },
    });
  }

  get usable(): boolean {
    return this.trusted();
  }

  /** Bytes held now, as counted against maxBytes. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** Taken before a load or a write begins; a put given it is refused if it may be stale. */
  mark(): CacheMark {
    return { seq: this.seq, at: Date.now() };
  }

  /** A record held in L1 (entry null: known deleted), or undefined. */
  record(id: RecordId): { entry: RecordEntry | null } | undefined {
    const hit = this.trusted() ? this.lru.get(recordKey(id)) : undefined;
    if (hit?.kind !== 'record') return undefined;
    if (isDeleted(hit.rank)) return { entry: null };
    return hit.entry ? { entry: hit.entry } : undefined;
  }

  /** Whether L1 can answer this record now, without touching what it holds (an LRU get would). */
  holds(id: RecordId): boolean {
    const held = this.trusted() ? this.lru.peek(recordKey(id)) : undefined;
    return held?.kind === 'record' && (held.entry !== undefined || isDeleted(held.rank));
  }

  /** A user's first page held in L1, or undefined. */
  page(userId: string): Buffer | undefined {
    const hit = this.trusted() ? this.lru.get(pagesKey(userId)) : undefined;
    return hit?.kind === 'page' ? hit.bytes : undefined;
  }

  /**
   * Keeps a record's state of this rank (entry: its bytes; none: a deletion or only the rank),
   * read or written after `mark`, unless L1 holds a newer one or cannot tell.
   */
  putRecord(id: RecordId, rank: number, entry: RecordEntry | undefined, mark: CacheMark): void {
    if (!this.trusted()) return;
    const key = recordKey(id);
    const held = this.lru.get(key);
    if (held?.kind === 'record' && (held.rank > rank || (held.rank === rank && (held.entry || !entry))))
      return;
    // A deletion is the last state a record reaches, so it is kept whatever was forgotten;
    // otherwise, when L1 cannot tell, it keeps only the rank (a floor is never served). Bytes
    // of a user whose erase went on after the mark may be of a record it deleted meanwhile.
    const erasedSince = entry !== undefined && (this.erased.get(entry.userId)?.seq ?? 0) > mark.seq;
    if (!isDeleted(rank) && (this.mayHaveForgotten(mark) || erasedSince)) {
      if (held) this.set(key, { kind: 'record', seq: 0, rank });
      return;
    }
    if (entry && !this.fits(key, entry.bytes)) entry = undefined;
    this.set(key, { kind: 'record', seq: 0, rank, entry });
  }

  /**
   * A write of this process committed this state, read after `mark`. Its bytes are kept over an
   * older state held here; for a key not held, only when no other instance can have written a
   * newer state meanwhile without this L1 keeping its rank: with no other instance (`alone`), or
   * for a record just created (version 1: its id was not out yet). Otherwise the next read takes
   * it from L2, which orders every write.
   */
  putWritten(
    id: RecordId,
    rank: number,
    entry: RecordEntry | undefined,
    mark: CacheMark,
    alone: boolean,
  ): void {
    if (!isDeleted(rank) && !alone && rank !== FIRST_RANK && !this.lru.has(recordKey(id))) {
      // A load of the key in flight here may bring the state this write replaced: its rank, kept
      // as a floor (never served), refuses it.
      this.raiseRecord(id, rank);
      return;
    }
    this.putRecord(id, rank, entry, mark);
  }

  /**
   * Another instance changed the record to this rank: a lower one held is dropped, and the rank
   * is kept as a floor while a load of the key is in flight (it may bring the older state).
   */
  raiseRecord(id: RecordId, rank: number): void {
    const key = recordKey(id);
    const held = this.lru.get(key);
    if (held?.kind === 'record' && held.rank >= rank) return;
    if (held || this.loading(key)) this.set(key, { kind: 'record', seq: 0, rank });
  }

  /** Keeps a first page loaded after `mark`, unless the user's pages were invalidated since. */
  putPage(userId: string, bytes: Buffer, mark: CacheMark): void {
    if (!this.trusted()) return;
    const key = pagesKey(userId);
    const held = this.lru.get(key);
    if (held) {
      if (held.seq > mark.seq || (held.kind === 'page' && held.bytes)) return;
    } else if (this.mayHaveForgotten(mark)) {
      return;
    }
    if (this.fits(key, bytes)) this.set(key, { kind: 'page', seq: 0, bytes });
  }

  /** The user's first pages changed: drop them, and refuse pages loaded before now. */
  invalidatePages(userId: string): void {
    const key = pagesKey(userId);
    if (this.lru.has(key) || this.loading(key)) this.set(key, { kind: 'page', seq: 0 });
  }

  /**
   * A batch of an erase of this user's records committed (here or on another instance): every
   * record of the user held here goes, its first pages too, and bytes of the user loaded before
   * now are refused. A rank kept without bytes (a floor) stays: it orders, and is never served.
   */
  eraseUser(userId: string): void {
    const now = Date.now();
    // A put marked over an L1 lifetime ago is refused anyway (mayHaveForgotten).
    for (const [u, at] of this.erased) if (now - at.at >= this.options.ttlMs) this.erased.delete(u);
    this.erased.set(userId, { seq: ++this.seq, at: now });
    const held: string[] = [];
    for (const [key, value] of this.lru.entries()) {
      if (value.kind === 'record' && value.entry?.userId === userId) held.push(key);
    }
    for (const key of held) this.lru.delete(key);
    this.invalidatePages(userId);
  }

  /** Drops every entry: announcements may have been missed. */
  clear(): void {
    this.lru.clear();
    this.forgottenAt = ++this.seq;
  }

  /** Each put takes the next sequence number, so a mark taken before it is older. */
  private set(key: string, value: L1Value): void {
    value.seq = ++this.seq;
    this.lru.set(key, value);
  }

  private fits(key: string, bytes: Buffer): boolean {
    return key.length + bytes.length + OVERHEAD <= this.options.maxEntryBytes;
  }

  /**
   * True when a value put after `mark` has been forgotten since, or when the mark is older than
   * a value's lifetime: a floor that should refuse this put may be gone.
   */
  private mayHaveForgotten(mark: CacheMark): boolean {
    return this.forgottenAt > mark.seq || Date.now() - mark.at >= this.options.ttlMs;
  }
}

function sizeOf(key: string, v: L1Value): number {
  const bytes =
    v.kind === 'record'
      ? (v.entry?.bytes.length ?? 0) + (v.entry?.userId.length ?? 0)
      : (v.bytes?.length ?? 0);
  return key.length + bytes + OVERHEAD;
}
