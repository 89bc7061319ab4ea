// The load generator: a separate process (child_process.fork from run.mjs) so its CPU is not the
// servers'. It receives one job at a time over IPC and answers with counts and latency
// percentiles. Two kinds of load:
//   closed  a fixed number of keep-alive connections, each sending its next request as soon as
//           the previous answer is read: throughput (requests/s, rows/s).
//   open    a fixed arrival rate: request i is due at start + i / rate whatever happened before,
//           and its latency runs from that due time, not from when it could be sent, so a stalled
//           server is charged for the requests it kept waiting (no coordinated omission).
// A job: { host, port, mode, durationMs, warmupMs, concurrency | rate, targets, pick, timelineMs }
// where each target is { label, method, path, headers, body, weight, expect, rows } with body a
// string (sent as it is). Only answers whose status is in `expect` count as successes.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize } from './stats.mjs';

const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_MS = 10_000;

function prepare(targets) {
  return targets.map((t) => {
    const body = t.body === undefined || t.body === null ? undefined : Buffer.from(t.body);
    const headers = { ...t.headers };
    if (body) headers['content-length'] = String(body.length);
    return {
      label: t.label ?? `${t.method} ${t.path}`,
      method: t.method,
      path: t.path,
      headers,
      body,
      weight: t.weight ?? 1,
      expect: new Set(t.expect ?? [200]),
      rows: t.rows ?? 1,
    };
  });
}

/** Round robin ('cycle') or weighted random ('weighted') choice of the next target. */
function picker(targets, mode) {
  if (mode === 'weighted') {
    const total = targets.reduce((s, t) => s + t.weight, 0);
    const cumulative = [];
    let acc = 0;
    for (const t of targets) cumulative.push((acc += t.weight / total));
    return () => {
      const r = Math.random();
      for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]) return targets[i];
      return targets[targets.length - 1];
    };
  }
  let i = 0;
  return () => targets[i++ % targets.length];
}

/** Sends one request; resolves {status, xcache, error} once the whole answer is read. */
function send(agent, host, port, target, open) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value) => {
      if (!settled) {
        settled = true;
        open?.delete(req);
        resolve(value);
      }
    };
    const req = http.request(
      { host, port, method: target.method, path: target.path, headers: target.headers, agent },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => done({ status: res.statusCode, xcache: res.headers['x-cache'] }));
        res.on('error', (err) => done({ status: 0, error: err.code ?? err.message }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done({ status: 0, error: err.code ?? err.message }));
    open?.add(req);
    req.end(target.body);
  });
}

/** Counts and latency samples of one measurement window, overall and per label. */
class Tally {
  constructor(timelineMs) {
    this.samples = [];
    this.requests = 0;
    this.ok = 0;
    this.rows = 0;
    this.errors = {};
    this.xcache = {};
    this.byLabel = new Map();
    this.timelineMs = timelineMs;
    this.timeline = new Map();
  }

  add(target, latencyMs, result, sinceStartMs) {
    this.requests++;
    const good = target.expect.has(result.status);
    let label = this.byLabel.get(target.label);
    if (!label) this.byLabel.set(target.label, (label = { samples: [], requests: 0, errors: 0, xcache: {} }));
    label.requests++;
    label.samples.push(latencyMs);
    this.samples.push(latencyMs);
    if (good) {
      this.ok++;
      this.rows += target.rows;
    } else {
      const kind = result.error ?? `status ${result.status}`;
      this.errors[kind] = (this.errors[kind] ?? 0) + 1;
      label.errors++;
    }
    if (result.xcache) {
      this.xcache[result.xcache] = (this.xcache[result.xcache] ?? 0) + 1;
      label.xcache[result.xcache] = (label.xcache[result.xcache] ?? 0) + 1;
    }
    if (this.timelineMs) {
      const bucket = Math.floor(sinceStartMs / this.timelineMs);
      let b = this.timeline.get(bucket);
      if (!b) this.timeline.set(bucket, (b = { samples: [], errors: 0 }));
      b.samples.push(latencyMs);
      if (!good) b.errors++;
    }
  }

  result(seconds, extra) {
    const errorCount = Object.values(this.errors).reduce((s, n) => s + n, 0);
    return {
      seconds: Math.round(seconds * 1000) / 1000,
      requests: this.requests,
      errors: errorCount,
      error_kinds: this.errors,
      rps: Math.round((this.ok / seconds) * 10) / 10,
      rows_per_s: Math.round((this.rows / seconds) * 10) / 10,
      latency_ms: summarize(this.samples),
      x_cache: this.xcache,
      by_label: Object.fromEntries(
        [...this.byLabel].map(([name, l]) => [
          name,
          { requests: l.requests, errors: l.errors, x_cache: l.xcache, latency_ms: summarize(l.samples) },
        ]),
      ),
      timeline: this.timelineMs
        ? [...this.timeline]
            .sort((a, b) => a[0] - b[0])
            .map(([bucket, b]) => ({
              t_s: ((bucket + 1) * this.timelineMs) / 1000,
              requests: b.samples.length,
              errors: b.errors,
              latency_ms: summarize(b.samples),
            }))
        : undefined,
      ...extra,
    };
  }
}

/** Fixed concurrency: `concurrency` loops, each waiting for its answer before the next request. */
async function closedLoop(job, agent, targets) {
  const next = picker(targets, job.pick);
  const t0 = performance.now();
  const measureFrom = t0 + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const tally = new Tally(job.timelineMs);
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < end) {
        const target = next();
        const sent = performance.now();
        const result = await send(agent, job.host, job.port, target);
        const now = performance.now();
        // Answers received inside the window count (steady state: a request may have been sent
        // just before it, as one is always in flight on every connection).
        if (now >= measureFrom && now <= end) tally.add(target, now - sent, result, now - measureFrom);
      }
    }),
  );
  return tally.result(job.durationMs / 1000, { mode: 'closed', concurrency: job.concurrency });
}

/** Fixed arrival rate: request i is due at start + i / rate; latency counts from the due time. */
async function openLoop(job, agent, targets) {
  const next = picker(targets, job.pick);
  const interval = 1000 / job.rate;
  const t0 = performance.now();
  const measureFrom = t0 + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const tally = new Tally(job.timelineMs);
  const inflight = new Set();
  const pending = new Map();
  // The requests not answered yet, sent or still queued in the agent: aborted at the end, so an
  // overloaded round's backlog is not sent into the next round.
  const open = new Set();
  let unanswered = 0;
  let due = t0;
  let maxInflight = 0;
  let scheduled = 0;
  let lateSends = 0;
  while (due < end) {
    const now = performance.now();
    while (due <= now && due < end) {
      const scheduledAt = due;
      const target = next();
      if (now - scheduledAt > 5) lateSends++;
      const p = send(agent, job.host, job.port, target, open).then((result) => {
        if (!inflight.has(p)) return;
        const answered = performance.now();
        if (scheduledAt >= measureFrom)
          tally.add(target, answered - scheduledAt, result, answered - measureFrom);
        inflight.delete(p);
        pending.delete(p);
      });
      inflight.add(p);
      pending.set(p, { target, scheduledAt });
      maxInflight = Math.max(maxInflight, inflight.size);
      scheduled++;
      due = t0 + scheduled * interval;
    }
    // Timers fire at 1 ms at best: whatever fell due meanwhile is sent on waking, a fraction of a
    // millisecond late (and charged for it). Spinning instead would take a core from the servers.
    await sleep(Math.max(1, Math.floor(due - performance.now())));
  }
  // Requests still unanswered DRAIN_MS after the end are counted as errors, with the time they
  // had waited so far as their latency (a lower bound): an overloaded server cannot hide them.
  const drained = await Promise.race([
    Promise.all(inflight).then(() => true),
    sleep(DRAIN_MS).then(() => false),
  ]);
  if (!drained) {
    const now = performance.now();
    for (const [p, { target, scheduledAt }] of pending) {
      if (inflight.has(p) && scheduledAt >= measureFrom) {
        tally.add(
          target,
          now - scheduledAt,
          { status: 0, error: 'unanswered at the end' },
          now - measureFrom,
        );
      }
    }
    unanswered = inflight.size;
    inflight.clear();
    for (const req of [...open]) req.destroy();
  }
  return tally.result(job.durationMs / 1000, {
    mode: 'open',
    target_rate: job.rate,
    max_inflight: maxInflight,
    // Sends more than 5 ms behind schedule: the generator itself could not keep up (CPU).
    late_sends: lateSends,
    unanswered,
  });
}

/** Each target exactly once, `concurrency` at a time (priming caches). */
async function once(job, agent, targets) {
  const tally = new Tally();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < targets.length) {
        const target = targets[next++];
        const sent = performance.now();
        const result = await send(agent, job.host, job.port, target);
        tally.add(target, performance.now() - sent, result, 0);
      }
    }),
  );
  return tally.result(Math.max(0.001, (performance.now() - t0) / 1000), { mode: 'once' });
}

async function run(job) {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: job.mode === 'open' ? (job.maxSockets ?? 256) : job.concurrency,
  });
  try {
    const targets = prepare(job.targets);
    if (job.mode === 'once') return await once(job, agent, targets);
    return job.mode === 'closed'
      ? await closedLoop(job, agent, targets)
      : await openLoop(job, agent, targets);
  } finally {
    agent.destroy();
  }
}

process.on('message', (msg) => {
  if (msg?.type !== 'run') return;
  run(msg.job).then(
    (result) => process.send({ type: 'result', id: msg.id, result }),
    (err) => process.send({ type: 'result', id: msg.id, error: String(err?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
