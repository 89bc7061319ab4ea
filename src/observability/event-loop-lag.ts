/**
 * How far behind this process's event loop runs, measured: a timer due every SAMPLE_MS, and how
 * late it fires. An overloaded process spends longer and longer in each turn of its loop (every
 * request that arrived meanwhile is read, parsed and started in the same turn), so the lag rises
 * with the backlog before the answers get slow; the load shedding (api/middleware/shed-load.ts)
 * refuses new requests while it is past SHED_EVENT_LOOP_LAG_MS.
 */
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

export interface LagSource {
  /**
   * Milliseconds the event loop has been behind over two samples in a row (the smaller of the
   * two lags): one late sample between samples on time is a stall, not an overload (a slow
   * synchronous step such as a statement of the embedded database, a garbage collection).
   */
  lagMs(): number;
}

/** Often enough to notice a stall within a fraction of the shedding threshold; 50 wake-ups a second. */
export const SAMPLE_MS = 20;

let shared: LagSource | undefined;

/** The process's one sampler (one event loop, one measure), started on first use; never keeps the process alive. */
export function eventLoopLag(): LagSource {
  shared ??= startSampler(SAMPLE_MS);
  return shared;
}

function startSampler(sampleMs: number): LagSource {
  let due = performance.now() + sampleMs;
  let before = 0;
  let late = 0;
  setInterval(() => {
    const now = performance.now();
    before = late;
    late = Math.max(0, now - due);
    due = now + sampleMs;
  }, sampleMs).unref();
  // Two samples in a row late: the last two, or the last and the next one, already overdue when
  // the loop is stuck in a long turn (a request read late in it sees that turn's length).
  return {
    lagMs: () => Math.max(Math.min(before, late), Math.min(late, performance.now() - due)),
  };
}
