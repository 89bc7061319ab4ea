/**
 * Invalidations that did not reach Redis (it failed during a write), replayed as soon as Redis
 * answers again. Until the queue is empty, L2 may hold what those writes replaced, so the
 * instance reads around L2 (record-cache.ts asks `replay()` before every L2 use). A queue grown
 * past MAX_PENDING is not worth replaying: it is dropped and L2 is bypassed until everything in
 * it has expired.
 */
import type { RecordId } from '../domain/record-id.js';
import type { CacheWrite } from './l2-store.js';

const MAX_PENDING = 10_000;

export class ReplayQueue {
  /**
   * By `r:<id>` (with the highest rank written) and `u:<userId>`: a key invalidated twice is
   * replayed once.
   */
  private readonly pending = new Map<string, { record?: { id: RecordId; rank: number }; userId?: string }>();
  private bypassUntil = 0;

  /**
   * resend: sends one invalidation, true once Redis took all of it (write-through.ts).
   * l2TtlSeconds: how long an L2 entry lives, so how long L2 is bypassed after an overflow.
   */
  constructor(
    private readonly resend: (write: CacheWrite) => Promise<boolean>,
    private readonly l2TtlSeconds: number,
  ) {}

  get empty(): boolean {
    return this.pending.size === 0;
  }

  /** True while L2 must not be used at all, after an overflow. */
  get bypassingL2(): boolean {
    return Date.now() < this.bypassUntil;
  }

  /** Queues what a failed write changed: the records' new ranks and the users. */
  remember(records: { id: RecordId; rank: number }[], userIds: string[]): void {
    for (const { id, rank } of records) {
      const held = this.pending.get(`r:${id}`)?.record;
      if (!held || held.rank < rank) this.pending.set(`r:${id}`, { record: { id, rank } });
    }
    for (const u of userIds) this.pending.set(`u:${u}`, { userId: u });
    if (this.pending.size > MAX_PENDING) {
      this.pending.clear();
      this.bypassUntil = Date.now() + this.l2TtlSeconds * 1000;
    }
  }

  /** Replays what is queued; true once nothing is left. */
  async replay(): Promise<boolean> {
    const batch = [...this.pending.entries()];
    const ok = await this.resend({
      // Only the ranks were kept: L2 keeps each record's rank (over anything older) without its
      // bytes, and the next read fills them.
      records: batch.flatMap(([, p]) => (p.record ? [p.record] : [])),
      users: batch.flatMap(([, p]) => (p.userId ? [p.userId] : [])),
    });
    if (ok) {
      // Only what was sent is done: a write remembered meanwhile stays queued.
      for (const [k, p] of batch) if (this.pending.get(k) === p) this.pending.delete(k);
    }
    return this.pending.size === 0;
  }
}
