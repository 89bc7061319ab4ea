/**
 * Invalidations that did not reach Redis (it failed during a write), replayed as soon as Redis
 * answers again. Until the queue is empty, L2 may hold what those writes replaced, so the
 * instance reads around L2 (record-cache.ts asks `replay()` before every L2 use). A queue grown
 * past MAX_PENDING is not worth replaying: it is dropped and L2 is bypassed until everything in
 * it has expired.
 */
import type { CacheWrite } from './l2-store.js';

const MAX_PENDING = 10_000;

export class ReplayQueue {
  /** By `r:<id>` and `u:<userId>`: a key invalidated twice is replayed once. */
  private readonly pending = new Map<string, { recordId?: string; userId?: string }>();
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

  /** Queues what a failed write invalidated. */
  remember(recordIds: string[], userIds: string[]): void {
    for (const id of recordIds) this.pending.set(`r:${id}`, { recordId: id });
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
      // Only the ids were kept: L2 drops those records' entries and the next read fills them.
      records: batch.flatMap(([, p]) => (p.recordId ? [{ id: p.recordId, entry: 'unknown' as const }] : [])),
      users: batch.flatMap(([, p]) => (p.userId ? [p.userId] : [])),
    });
    if (ok) for (const [k] of batch) this.pending.delete(k);
    return this.pending.size === 0;
  }
}
