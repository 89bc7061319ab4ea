// node test/performance/export-memory.mjs   (after `npx tsc -p tsconfig.build.json`)
//
// GET /data/export of 1,000,000 records of one user through the built server, with the server's
// resident set size (VmRSS of /proc/<pid>/status) sampled every SAMPLE_MS: memory must stay flat
// while the records stream, whatever their number. A benchmark, not a test: it prints what it
// measured and writes .reports/bench/export-memory-<time>.json.
//
// The database is the one test/performance/payload-filter.mjs loads (FILTER_DATABASE_URL, the
// user bench-user with USER_ROWS records): run that first. Each run reads the whole export once
// as identity and once gzip-encoded, as fast as this client takes it, and once with a client
// that reads slowly (READ_SLOW_MS between reads) for SLOW_SECONDS: the server must then read no
// faster than the client (back-pressure) and hold no more.
// Beside the RSS (what the process holds, garbage included until V8 collects it), the live heap
// (nodejs_heap_size_used_bytes of /metrics) is sampled, and both are reported at each tenth of
// the records read.
// Settings: FILTER_DATABASE_URL SAMPLE_MS=250 SLOW_SECONDS=20 READ_SLOW_MS=50
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearInterval, setInterval } from 'node:timers';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const url = env.FILTER_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/data_api_filter';
const SAMPLE_MS = Number(env.SAMPLE_MS || 250);
const SLOW_SECONDS = Number(env.SLOW_SECONDS || 20);
const READ_SLOW_MS = Number(env.READ_SLOW_MS || 50);
const log = (m) => process.stderr.write(`export-memory: ${m}\n`);

const freePort = () =>
  new Promise((res, rej) => {
    const s = net.createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const rssMiB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function startServer() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    env: {
      PATH: env.PATH,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      MIGRATE_ON_START: 'false',
      AUTH_MODE: 'none',
      RATE_LIMIT_ENABLED: 'false',
      CACHE_ENABLED: 'false',
      CACHE_WARM_USERS: '0',
      CURSOR_SECRET: randomBytes(32).toString('hex'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((r) =>
      http
        .get(`http://127.0.0.1:${port}/health`, (res) => (res.resume(), r(res.statusCode === 200)))
        .on('error', () => r(false)),
    );
    if (ok) return { port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}

/** The server's live JavaScript heap (prom-client's default metric at /metrics), in MiB. */
const heapUsedMiB = (port) =>
  new Promise((res) => {
    http
      .get(`http://127.0.0.1:${port}/metrics`, (r) => {
        let text = '';
        r.on('data', (c) => (text += c));
        r.on('end', () => res(Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]) / 2 ** 20));
      })
      .on('error', () => res(NaN));
  });

/** The samples at each tenth of the records read: how memory goes as the export goes on. */
function byTenth(series, total) {
  return Array.from({ length: 10 }, (_, k) => {
    const s = series.find((x) => x.records >= ((k + 1) * total) / 10) ?? series[series.length - 1];
    return { read: `${(k + 1) * 10}%`, rss_mib: +s.rss.toFixed(1), heap_used_mib: +s.heap.toFixed(1) };
  });
}

/** One export, read as fast as possible or slowly, with the server's RSS sampled meanwhile. */
function exportOnce(port, pid, { encoding = 'identity', slowMs = 0, forSeconds = Infinity } = {}) {
  return new Promise((resolvePromise, reject) => {
    const samples = [];
    const series = [];
    let lines = 0;
    const sampler = setInterval(async () => {
      const rss = rssMiB(pid);
      samples.push(rss);
      series.push({ records: lines, rss, heap: await heapUsedMiB(port) });
    }, SAMPLE_MS);
    const started = process.hrtime.bigint();
    let bytes = 0;
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/data/export?user_id=bench-user',
        headers: { 'accept-encoding': encoding },
      },
      (res) => {
        const done = (complete) => {
          clearInterval(sampler);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const sorted = [...samples].sort((a, b) => a - b);
          resolvePromise({
            encoding,
            slow_ms: slowMs,
            complete,
            seconds: +seconds.toFixed(1),
            bytes_received: bytes,
            records: encoding === 'identity' ? lines : undefined,
            records_per_second: encoding === 'identity' && complete ? Math.round(lines / seconds) : undefined,
            ...(encoding === 'identity' && complete ? { by_tenth: byTenth(series, lines) } : {}),
            heap_used_mib_max: +Math.max(...series.map((x) => x.heap).filter(Number.isFinite)).toFixed(1),
            rss_mib: {
              samples: samples.length,
              min: +sorted[0].toFixed(1),
              median: +sorted[Math.floor(sorted.length / 2)].toFixed(1),
              p95: +sorted[Math.floor(sorted.length * 0.95)].toFixed(1),
              max: +sorted[sorted.length - 1].toFixed(1),
              first_second_max: +Math.max(...samples.slice(0, Math.ceil(1000 / SAMPLE_MS))).toFixed(1),
              last_second_max: +Math.max(...samples.slice(-Math.ceil(1000 / SAMPLE_MS))).toFixed(1),
            },
          });
        };
        res.on('data', (chunk) => {
          bytes += chunk.length;
          if (encoding === 'identity') for (const b of chunk) if (b === 10) lines++;
          if (slowMs > 0) {
            res.pause();
            setTimeout(() => res.resume(), slowMs);
          }
        });
        res.on('end', () => done(true));
        res.on('error', reject);
        if (forSeconds !== Infinity) {
          setTimeout(() => {
            req.destroy();
            done(false);
          }, forSeconds * 1000);
        }
      },
    );
    req.on('error', (err) => (forSeconds === Infinity ? reject(err) : undefined));
  });
}

const { port, child } = await startServer();
try {
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssMiB(child.pid);
  log(`server up, RSS ${idle.toFixed(1)} MiB at rest`);
  const runs = [];
  for (const options of [
    { encoding: 'identity' },
    { encoding: 'gzip' },
    { encoding: 'identity', slowMs: READ_SLOW_MS, forSeconds: SLOW_SECONDS },
  ]) {
    const r = await exportOnce(port, child.pid, options);
    log(JSON.stringify(r));
    runs.push(r);
    await new Promise((res) => setTimeout(res, 1000));
  }
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    rss_at_rest_mib: +idle.toFixed(1),
    runs,
  };
  mkdirSync(join(ROOT, '.reports/bench'), { recursive: true });
  const file = join(ROOT, `.reports/bench/export-memory-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  child.kill('SIGTERM');
}
