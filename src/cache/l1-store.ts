/**
 * L1: the in-process LRU of serialized records and first pages. It answers only while it is
 * trusted (see invalidation-bus.ts), and its fills obey two rules that keep a slow reader from
 * putting back what a write replaced: a fill is refused when the key was invalidated while the
 * value was being loaded, and a record fill never replaces a newer version or a delete.
 */
import { LRUCache } from 'lru-cache';
import type { RecordEntry } from '../domain/record-cache.js';
import { pagesKey, recordKey } from './cache-keys.js';

export interface L1Options {
  maxEntries: number;
  ttlMs: number;
}

type L1Value = { kind: 'record'; entry: RecordEntry | null } | { kind: 'pages'; pages: Map<number, Buffer> };

export class L1Store {
  private readonly lru: LRUCache<string, L1Value>;
  /** Invalidation sequence numbers by key, to refuse fills that raced an invalidation. */
  private readonly invalidatedAt: LRUCache<string, number>;
  private seq = 0;

  /** trusted(): whether L1 may answer and be filled now (it holds nothing while untrusted). */
  constructor(
    options: L1Options,
    private readonly trusted: () => boolean,
  ) {
    this.lru = new LRUCache({ max: Math.max(1, options.maxEntries), ttl: options.ttlMs });
    this.invalidatedAt = new LRUCache({ max: Math.max(1000, options.maxEntries * 4) });
  }

  get usable(): boolean {
    return this.trusted();
  }

  /** The point a load starts from: a fill given it is refused if the key is invalidated later. */
  mark(): number {
    return this.seq;
  }

  /** A record held in L1 (entry null: known deleted), or undefined. */
  record(id: string): { entry: RecordEntry | null } | undefined {
    const hit = this.trusted() ? this.lru.get(recordKey(id)) : undefined;
    return hit?.kind === 'record' ? { entry: hit.entry } : undefined;
  }

  /** A user's first page for this limit held in L1, or undefined. */
  page(userId: string, limit: number): Buffer | undefined {
    const hit = this.trusted() ? this.lru.get(pagesKey(userId)) : undefined;
    return hit?.kind === 'pages' ? hit.pages.get(limit) : undefined;
  }

  /** Keeps a record read from L2 or the database, unless a write got there since `mark`. */
  fillRecord(id: string, entry: RecordEntry | null, mark: number): void {
    const key = recordKey(id);
    if (!this.trusted() || this.invalidatedSince(key, mark)) return;
    const current = this.lru.get(key);
    // A record fill never replaces a newer version or a delete written through meanwhile.
    if (current?.kind === 'record') {
      if (current.entry === null || (entry && current.entry.version >= entry.version)) return;
    }
    this.lru.set(key, { kind: 'record', entry });
  }

  /** Keeps a first page read from L2 or the database, unless the user's pages were invalidated since `mark`. */
  fillPage(userId: string, limit: number, bytes: Buffer, mark: number): void {
    const key = pagesKey(userId);
    if (!this.trusted() || this.invalidatedSince(key, mark)) return;
    const current = this.lru.get(key);
    const pages = current?.kind === 'pages' ? current.pages : new Map<number, Buffer>();
    pages.set(limit, bytes);
    this.lru.set(key, { kind: 'pages', pages });
  }

  /** A committed write: its new state (null: deleted) replaces what L1 holds. */
  written(id: string, entry: RecordEntry | null): void {
    this.forgetRecord(id);
    if (this.trusted()) this.lru.set(recordKey(id), { kind: 'record', entry });
  }

  forgetRecord(id: string): void {
    this.forget(recordKey(id));
  }

  forgetPages(userId: string): void {
    this.forget(pagesKey(userId));
  }

  /** Drops every entry: announcements may have been missed. */
  clear(): void {
    this.lru.clear();
  }

  private forget(key: string): void {
    this.invalidatedAt.set(key, ++this.seq);
    this.lru.delete(key);
  }

  private invalidatedSince(key: string, mark: number): boolean {
    return (this.invalidatedAt.get(key) ?? -1) > mark;
  }
}
