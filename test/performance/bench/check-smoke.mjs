// The assertion of `make bench-smoke`: the newest .reports/bench/bench-smoke-*.json (or the file
// given) has every path with non-zero throughput on both sides, no error anywhere, the mix ran,
// and each read was answered from the level it claims to measure (X-Cache); k6's load test ran
// against the service and passed (exit 0: no failed request, every check held, the smoke's times).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PATHS = ['get-l1', 'get-l2', 'get-db', 'list-l1', 'list-l2', 'list-db', 'post', 'bulk'];
const LEVEL = {
  'get-l1': 'hit-l1',
  'get-l2': 'hit-l2',
  'get-db': 'miss',
  'list-l1': 'hit-l1',
  'list-l2': 'hit-l2',
  'list-db': 'miss',
};

const dir = '.reports/bench';
const file =
  process.argv[2] ??
  join(
    dir,
    readdirSync(dir)
      .filter((f) => /^bench-smoke-.*\.json$/.test(f))
      .sort()
      .at(-1) ?? 'missing',
  );
const report = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];
let checks = 0;
const check = (ok, what) => {
  checks++;
  if (!ok) problems.push(what);
};

const byId = new Map((report.paths ?? []).map((p) => [p.id, p]));
for (const id of PATHS) {
  const p = byId.get(id);
  check(p !== undefined, `${id}: missing`);
  if (!p) continue;
  for (const side of ['service', 'baseline']) {
    check(p[side].median[p.metric] > 0, `${id} ${side}: ${p.metric} is ${p[side].median[p.metric]}`);
    for (const round of p[side].rounds) {
      check(round.errors === 0, `${id} ${side}: ${round.errors} errors ${JSON.stringify(round.error_kinds)}`);
    }
  }
  if (LEVEL[id]) {
    const x = p.service.median.x_cache ?? {};
    const total = Object.values(x).reduce((s, v) => s + v, 0);
    check(
      total > 0 && (x[LEVEL[id]] ?? 0) / total > 0.5,
      `${id}: answered from ${JSON.stringify(x)}, not ${LEVEL[id]}`,
    );
  }
}
check(report.mix !== undefined, 'mix: missing');
for (const side of ['service', 'baseline']) {
  for (const round of report.mix?.[side]?.rounds ?? []) {
    check(round.rps > 0, `mix ${side}: no throughput`);
    check(round.errors === 0, `mix ${side}: ${round.errors} errors ${JSON.stringify(round.error_kinds)}`);
  }
}

// k6 (BENCH_K6_DURATION=0 skips it, and this check).
if (Number(report.settings?.k6Duration) > 0) {
  const k6 = report.k6?.service;
  check(k6 !== undefined, 'k6: missing');
  if (k6) {
    check(
      k6.exit_code === 0,
      `k6: exit ${k6.exit_code}${k6.thresholds_crossed?.length ? ` (${k6.thresholds_crossed.join('; ')})` : ''}`,
    );
    check(k6.requests > 0, 'k6: no request');
    check(k6.failed_rate === 0, `k6: failed rate ${k6.failed_rate}`);
  }
}

// For a summary of `make test`: the counts, in a file (not in the "N passed, N failed" form on
// stdout, which CI would read as the closing line of the whole run).
writeFileSync(
  join(dir, 'smoke-check.json'),
  `${JSON.stringify({ file, passed: checks - problems.length, failed: problems.length, problems })}\n`,
);
if (problems.length) {
  console.error(
    `bench-smoke: ${file}: ${problems.length} of ${checks} checks failed\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`bench-smoke: ${file}: all ${checks} checks hold (every path answered, no errors)`);
