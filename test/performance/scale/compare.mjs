// Interleaved comparison of scale databases of different sizes, for a shared machine: one server
// per database, all running at once, their measurement rounds alternated (and the order flipped
// every round), so load from elsewhere weighs on every size alike. Needs the databases loaded by
// bench-scale.mjs and a built dist/ (`make build`), copied to .tools/bench-scale/dist as
// bench-scale.mjs does, so that a build during the run does not change what is measured.
//   node test/performance/scale/compare.mjs postgres://...:5432/data_api_scale_1m postgres://...:5432/data_api_scale
//   (ROUNDS=8 REQUESTS=4000 CONCURRENCY=4 LIMIT=50 DEEP_PAGES=100 WARMUP=500)
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadedRows } from './load.mjs';
import {
  closedLoop,
  combine,
  deepCursor,
  explainPages,
  HOT_USERS,
  ORDINARY_USERS,
  startServer,
} from './measure.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const num = (name, dflt) => Number(process.env[name] || dflt);
const settings = {
  rounds: num('ROUNDS', 8),
  requests: num('REQUESTS', 4000),
  concurrency: num('CONCURRENCY', 4),
  limit: num('LIMIT', 50),
  deep_pages: num('DEEP_PAGES', 100),
  warmup: num('WARMUP', 500),
};
// The spread kind: the first page of users requested once each in the whole run, none of them
// among the users above, so their pages are not kept warm by the repetition of the other kinds
// (the 50 users of first_page are asked for again and again, and stay in memory at any size).
// Users 0..899 hold at least 50 records at 1M rows (user k has about 1,500/sqrt(k) there), so every
// answer is a full page at every size.
const SPREAD_USERS = Array.from({ length: 900 }, (_, k) => `user-${String(k).padStart(6, '0')}`).filter(
  (u) => !ORDINARY_USERS.includes(u),
);
const urls = process.argv.slice(2);
if (urls.length < 2) throw new Error('usage: compare.mjs <database url> <database url> ...');
const distDir = join(ROOT, '.tools/bench-scale/dist');
// A fresh copy: an old one would run old code against the current SQL files.
rmSync(distDir, { recursive: true, force: true });
cpSync(join(ROOT, 'dist'), distDir, { recursive: true });
const log = (msg) => process.stderr.write(`bench-scale compare: ${msg}\n`);

const targets = [];
for (const url of urls) {
  const rows = await loadedRows(url);
  const server = await startServer({ distDir, url, poolMax: settings.concurrency + 2 });
  const path = (user, cursor) =>
    `/data?user_id=${user}&limit=${settings.limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const deepPaths = [];
  for (const user of HOT_USERS) {
    deepPaths.push(path(user, await deepCursor(server, user, settings.limit, settings.deep_pages)));
  }
  targets.push({
    url,
    rows,
    server,
    paths: {
      first_page: [...HOT_USERS, ...ORDINARY_USERS].map((u) => path(u)),
      deep_page: deepPaths,
      spread_page: SPREAD_USERS.map((u) => path(u)),
    },
    rounds: { first_page: [], deep_page: [], spread_page: [] },
  });
}
targets.sort((a, b) => a.rows - b.rows);
const started = new Date().toISOString();
const load = [os.loadavg()[0]];
try {
  for (const t of targets) {
    for (const kind of ['first_page', 'deep_page']) {
      await closedLoop(t.server, t.paths[kind], {
        concurrency: settings.concurrency,
        requests: 1,
        warmup: settings.warmup,
      });
    }
  }
  const perRound = {
    concurrency: settings.concurrency,
    requests: Math.ceil(settings.requests / settings.rounds),
    warmup: 20,
  };
  for (let r = 0; r < settings.rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const kind of ['first_page', 'deep_page']) {
      for (const t of order) t.rounds[kind].push(await closedLoop(t.server, t.paths[kind], perRound));
    }
    // This round's share of the spread users, each once, the same users for every size.
    const share = Math.floor(SPREAD_USERS.length / settings.rounds);
    for (const t of order) {
      const paths = t.paths.spread_page.slice(r * share, (r + 1) * share);
      t.rounds.spread_page.push(
        await closedLoop(t.server, paths, {
          concurrency: settings.concurrency,
          requests: paths.length,
          warmup: 0,
        }),
      );
    }
    load.push(os.loadavg()[0]);
    log(`round ${r + 1}/${settings.rounds} done, load average ${os.loadavg()[0].toFixed(2)}`);
  }
} finally {
  for (const t of targets) await t.server.stop();
}
const results = [];
for (const t of targets) {
  results.push({
    rows: t.rows,
    database: new URL(t.url).pathname.slice(1),
    http: {
      first_page: combine(t.rounds.first_page),
      deep_page: combine(t.rounds.deep_page),
      spread_page: combine(t.rounds.spread_page),
    },
    explain: await explainPages(
      t.url,
      ROOT,
      HOT_USERS[0],
      settings.limit,
      settings.deep_pages * settings.limit,
    ),
  });
}
const report = {
  started_at: started,
  settings,
  loadavg_1m: { min: Math.min(...load), max: Math.max(...load) },
  cpus: os.cpus().length,
  results,
};
mkdirSync(join(ROOT, '.reports/bench'), { recursive: true });
const file = join(ROOT, '.reports/bench', `scale-compare-${started.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
log(`report: ${file}`);
const base = results[0];
for (const r of results) {
  const f = r.http.first_page;
  const d = r.http.deep_page;
  const sp = r.http.spread_page;
  const deg = (a, b) => `${((a / b - 1) * 100).toFixed(0)}%`;
  log(
    `${r.rows}: first p50 ${f.p50_ms} p95 ${f.p95_ms} p99 ${f.p99_ms} (${deg(f.p95_ms, base.http.first_page.p95_ms)}), ` +
      `deep p50 ${d.p50_ms} p95 ${d.p95_ms} p99 ${d.p99_ms} (${deg(d.p95_ms, base.http.deep_page.p95_ms)}), ` +
      `spread p50 ${sp.p50_ms} p95 ${sp.p95_ms} p99 ${sp.p99_ms} (${deg(sp.p95_ms, base.http.spread_page.p95_ms)})`,
  );
}
