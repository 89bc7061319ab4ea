// Measures start-up of the built server on the embedded default (PGlite): from spawning
// `node dist/src/main.js` to the first 200 of /health and of /ready, over RUNS restarts on one
// existing data directory (the realistic case: a first run creates it and is not counted).
// Prints each run, the median and the maximum, and the load average (the machine may be shared).
// On Linux it also prints the CPU time the server used until ready (all its threads), which
// moves much less than the wall time when other work shares the machine.
//
// Run: node test/performance/startup-time.mjs            (after `make build`)
//      RUNS=9 MAIN=/path/to/dist/src/main.js node test/performance/startup-time.mjs
//      VERBOSE=1 ... also prints each run's log lines with their offsets from the spawn
/* global fetch */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = process.env.MAIN ?? join(ROOT, 'dist', 'src', 'main.js');
const RUNS = Number(process.env.RUNS ?? 7);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 120_000);
const POLL_MS = 10;
const VERBOSE = Boolean(process.env.VERBOSE);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function status(url) {
  try {
    const res = await fetch(url, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // not listening yet
  }
}

/** One start: ms from spawn to the first 200 of /health and of /ready, then SIGTERM. */
async function startOnce(dataDir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      AUTH_MODE: 'none',
      HOST: '127.0.0.1',
      PORT: String(port),
      PGLITE_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  let pending = '';
  const onData = (chunk) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop();
    for (const line of parts)
      lines.push(`${(performance.now() - started).toFixed(0).padStart(6)} ms ${line}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let health;
  let ready;
  let cpu;
  try {
    while (ready === undefined) {
      if (child.exitCode !== null)
        throw new Error(`the server exited ${child.exitCode}:\n${lines.join('\n')}`);
      if (performance.now() - started > TIMEOUT_MS) {
        throw new Error(`not ready within ${TIMEOUT_MS} ms:\n${lines.join('\n')}`);
      }
      if (health === undefined && (await status(`${base}/health`)) === 200)
        health = performance.now() - started;
      if ((await status(`${base}/ready`)) === 200) {
        ready = performance.now() - started;
        cpu = cpuSeconds(child.pid) * 1000;
      } else await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  if (VERBOSE) console.log(lines.join('\n'));
  return { health: health ?? ready, ready, cpu };
}

/** User + system CPU seconds of a process so far (Linux), or NaN. */
function cpuSeconds(pid) {
  try {
    // After the ")" that ends the command name: state is field 3, utime and stime fields 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop().trim().split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const dataDir = mkdtempSync(join(tmpdir(), 'data-api-startup-'));
try {
  console.log(`${MAIN}, data in ${dataDir}; load average before: ${load()}`);
  const first = await startOnce(dataDir);
  console.log(`first start (creates the database, not counted): ready ${fmt(first.ready)}`);
  const runs = [];
  for (let i = 1; i <= RUNS; i++) {
    const run = await startOnce(dataDir);
    runs.push(run);
    console.log(`restart ${i}: /health ${fmt(run.health)}, /ready ${fmt(run.ready)}, CPU ${fmt(run.cpu)}`);
  }
  const ready = runs.map((r) => r.ready);
  const health = runs.map((r) => r.health);
  const cpu = runs.map((r) => r.cpu);
  console.log(
    `time to /ready over ${RUNS} restarts: median ${fmt(median(ready))}, max ${fmt(Math.max(...ready))}; ` +
      `time to /health: median ${fmt(median(health))}, max ${fmt(Math.max(...health))}; ` +
      `CPU until ready: median ${fmt(median(cpu))}; ` +
      `load average after: ${load()}`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
