// Writes a bench report into docs/performance.md (only between this harness's markers) and its
// charts into docs/img/. Other sections of the file (bench-scale) are never touched.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { latencyChart, rssChart, throughputChart } from './svg.mjs';

const DOC = 'docs/performance.md';
const BLOCKS = {
  bench: { heading: '## Service against bare baselines' },
  'bench-soak': { heading: '## Memory soak' },
  'bench-scale': { heading: '## Scale' },
};

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->`, adding the pair if missing. */
export function replaceBlock(doc, name, content) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) {
    const heading = BLOCKS[name]?.heading ?? `## ${name}`;
    return `${doc.trimEnd()}\n\n${heading}\n\n${begin}\n\n${content.trim()}\n\n${end}\n`;
  }
  return `${doc.slice(0, i + begin.length)}\n\n${content.trim()}\n\n${doc.slice(j)}`;
}

/** The block as `prettier --check` wants it (tables aligned), with the repository's settings. */
async function formatted(root, markdown) {
  const file = join(root, DOC);
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(markdown, { ...options, parser: 'markdown' });
}

async function writeBlock(root, name, markdown) {
  writeFileSync(join(root, DOC), replaceBlock(readDoc(root), name, await formatted(root, markdown)));
}

function readDoc(root) {
  const file = join(root, DOC);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  // A new file holds every section's markers, ours and the table-size one, in this order.
  let doc = '# Performance\n';
  for (const name of Object.keys(BLOCKS)) doc = replaceBlock(doc, name, '_Not run yet._');
  return doc;
}

const n = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(x));

function runFacts(r) {
  const m = r.machine;
  const loadEnd = m.load_average_end ? ` → ${m.load_average_end.join(' / ')}` : '';
  return [
    `Run of ${r.started_at.slice(0, 16).replace('T', ' ')} UTC, commit \`${(r.git.commit ?? 'unknown').slice(0, 12)}\`${r.git.dirty ? ' (with uncommitted changes)' : ''}.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os}; load average (1/5/15 min) ${m.load_average_start.join(' / ')}${loadEnd}.`,
    `Versions: Node.js ${r.versions.node}, PostgreSQL ${r.versions.postgres}, Redis ${r.versions.redis}${r.versions.k6 ? `, k6 ${r.versions.k6}` : ''}.`,
  ].join('\n');
}

function xcache(x) {
  const total = Object.values(x ?? {}).reduce((s, v) => s + v, 0);
  if (!total) return '';
  return Object.entries(x)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${Math.round((v / total) * 1000) / 10}%`)
    .join(', ');
}

function benchMarkdown(r) {
  const s = r.settings;
  const lines = [runFacts(r), ''];
  lines.push(
    `Throughput: ${s.concurrency} keep-alive connections (bulk: ${s.bulkConcurrency}), ${s.rounds} interleaved rounds of ${s.duration} s after ${s.warmup} s of warm-up, the median round reported. ` +
      `Seeded: ${s.users} users × ${s.recordsPerUser} records; reads of one record cycle over ${s.hotIds} of them.`,
    '',
    '| path | baseline | service | baseline | ratio | target | | service p99 | answered from |',
    '| ---- | -------- | ------: | -------: | ----: | -----: | - | ----------: | ------------- |',
  );
  for (const p of r.paths) {
    const unit = p.metric === 'rows_per_s' ? ' rows/s' : '/s';
    const verdict =
      p.met === null ? '' : p.met ? 'met' : `**missed** (${Math.round((p.ratio / p.target - 1) * 100)}%)`;
    lines.push(
      `| ${p.name} | ${p.baseline_name} | ${n(p.service.median[p.metric])}${unit} | ${n(p.baseline.median[p.metric])}${unit} | ${p.ratio} | ${p.target === null ? '—' : `≥ ${p.target}`} | ${verdict} | ${p.service.median.latency_ms.p99} ms | ${xcache(p.service.median.x_cache)} |`,
    );
  }
  lines.push('', '![Throughput, service against baseline](img/bench-throughput.svg)', '');
  if (r.mix) {
    const mix = r.mix;
    const ms = (l) => `${l.p50} | ${l.p95} | ${l.p99} | ${l.max}`;
    lines.push(
      `Latency: an open loop at ${mix.rate} requests/s (60% \`GET /data/{id}\`, 20% first page of \`GET /data?user_id=\`, 20% \`POST /data\`), ` +
        `${s.rounds} interleaved rounds of ${mix.duration_s} s, the round with the median p99 reported. ` +
        `Target: p99 ≤ ${mix.target.p99_ms} ms and no error — **${mix.met ? 'met' : 'missed'}**.`,
      '',
      '| | p50 ms | p95 ms | p99 ms | max ms | requests/s | errors | answered from |',
      '| - | -----: | -----: | -----: | -----: | ---------: | -----: | ------------- |',
      `| service, whole mix | ${ms(mix.service.median.latency_ms)} | ${n(mix.service.median.rps)} | ${mix.service.median.errors} | ${xcache(mix.service.median.x_cache)} |`,
      `| baseline, whole mix | ${ms(mix.baseline.median.latency_ms)} | ${n(mix.baseline.median.rps)} | ${mix.baseline.median.errors} | |`,
    );
    for (const label of Object.keys(mix.shares)) {
      const l = mix.service.median.by_label[label];
      if (l) lines.push(`| service, ${label} | ${ms(l.latency_ms)} | | ${l.errors} | ${xcache(l.x_cache)} |`);
    }
    lines.push('', '![Latency percentiles of the mix](img/bench-latency.svg)');
  }
  if (r.k6?.service) lines.push('', ...k6Markdown(r));
  return lines.join('\n');
}

/** k6's run of test/performance/load-test.js, service and baseline, next to the harness's mix. */
function k6Markdown(r) {
  const k = r.k6;
  const sides = ['service', 'baseline'].filter((side) => k[side]);
  const ms = (l) => (l ? `${l.p50} | ${l.p95} | ${l.p99} | ${l.max}` : '| | |');
  // The rules crossed, each once (p(99)<10 of the whole mix and of each operation is one).
  const rules = (x) => [...new Set(x.thresholds_crossed.map((t) => t.replace(/^.*: /, '')))].sort();
  const verdict = (x) =>
    x.exit_code === 0 ? 'held' : `**crossed**: ${rules(x).join(', ') || `exit ${x.exit_code}`}`;
  const lines = [
    `k6${r.versions.k6 ? ` ${r.versions.k6}` : ''} ([\`test/performance/load-test.js\`](../test/performance/load-test.js)): the same mix at a constant arrival rate of ${n(k.rate)} requests/s for ${k.duration_s} s, once against the service and once against the baseline (its bare paths), after the rounds above. ` +
      'Its thresholds: p50 < 5 ms, p95 < 8 ms, p99 < 10 ms (whole mix and each operation), no failed request.',
    '',
    '| k6 | p50 ms | p95 ms | p99 ms | max ms | failed | achieved requests/s | dropped | thresholds |',
    '| -- | -----: | -----: | -----: | -----: | -----: | ------------------: | ------: | ---------- |',
  ];
  for (const side of sides) {
    const x = k[side];
    lines.push(
      `| ${side}, whole mix | ${ms(x.latency_ms)} | ${x.failed_rate} | ${n(x.achieved_rate)} | ${x.dropped_iterations} | ${verdict(x)} |`,
    );
  }
  for (const [op, label] of [
    ['get', 'GET /data/{id}'],
    ['list', 'GET /data?user_id='],
    ['create', 'POST /data'],
  ]) {
    if (k.service.by_op?.[op]) lines.push(`| service, ${label} | ${ms(k.service.by_op[op])} | | | | |`);
  }
  return lines;
}

export async function writeDocs(r, root) {
  mkdirSync(join(root, 'docs', 'img'), { recursive: true });
  writeFileSync(
    join(root, 'docs/img/bench-throughput.svg'),
    throughputChart(
      r.paths.map((p) => ({
        name: p.name,
        baselineName: p.baseline_name,
        service: p.service.median[p.metric],
        baseline: p.baseline.median[p.metric],
        unit: p.metric === 'rows_per_s' ? 'rows/s' : 'req/s',
        ratio: p.ratio,
        target: p.target,
      })),
      `Throughput, service against bare baselines (${r.started_at.slice(0, 10)})`,
    ),
  );
  if (r.mix) {
    const svc = r.mix.service.median;
    const base = r.mix.baseline.median;
    const groups = [{ name: 'whole mix', service: svc.latency_ms, baseline: base.latency_ms }];
    for (const label of Object.keys(r.mix.shares)) {
      const l = svc.by_label[label];
      if (l) groups.push({ name: label, service: l.latency_ms, baseline: base.by_label[label]?.latency_ms });
    }
    writeFileSync(
      join(root, 'docs/img/bench-latency.svg'),
      latencyChart(
        groups,
        `Latency at ${r.mix.rate} requests/s of the 80/20 mix (log scale)`,
        r.mix.target.p99_ms,
      ),
    );
  }
  await writeBlock(root, 'bench', benchMarkdown(r));
}

export async function writeSoakDocs(r, root) {
  const soak = r.soak;
  const sum = soak.rss.summary;
  mkdirSync(join(root, 'docs', 'img'), { recursive: true });
  writeFileSync(
    join(root, 'docs/img/bench-soak-rss.svg'),
    rssChart(
      soak.rss.samples,
      sum.median_kib,
      0.1,
      `Resident size of the service, ${soak.duration_s} s at ${soak.rate} requests/s`,
    ),
  );
  const mib = (k) => `${Math.round(k / 102.4) / 10} MiB`;
  const l = soak.result.latency_ms;
  const lines = [
    runFacts(r),
    '',
    `\`make bench-soak\`: ${soak.duration_s} s of the 80/20 mix at ${soak.rate} requests/s against one service process, its resident size read from \`/proc\` every ${r.settings.soakSampleS} s. ` +
      `${soak.result.requests.toLocaleString('en-US')} requests, ${soak.result.errors} errors; p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms.`,
    `Answered from: ${xcache(soak.result.x_cache)}; at most ${soak.result.max_inflight.toLocaleString('en-US')} requests in flight at once.`,
    ...(soak.result.max_inflight > soak.rate
      ? [
          '',
          `**The service did not keep up with ${soak.rate} requests/s on this machine** (more than a second of requests in flight): the resident size then grows with the backlog of queued requests, which says nothing about a leak. Run \`make bench-soak\` again on a quieter machine.`,
        ]
      : []),
    '',
    `| RSS at start | min | median | max (after the first minute) | largest distance from the median | last tenth against first tenth | flat within ±10% |`,
    `| -----------: | --: | -----: | ---------------------------: | -------------------------------: | -----------------------------: | ---------------- |`,
    `| ${mib(sum.start_kib)} | ${mib(sum.min_kib)} | ${mib(sum.median_kib)} | ${mib(sum.max_kib)} | ${sum.max_deviation_pct}% | ${sum.drift_pct > 0 ? '+' : ''}${sum.drift_pct}% | ${sum.flat ? 'yes' : '**no**'} |`,
    '',
    '| minute | requests | errors | p50 ms | p99 ms | max ms |',
    '| -----: | -------: | -----: | -----: | -----: | -----: |',
    ...(soak.timeline ?? []).map(
      (b) =>
        `| ${Math.round(b.t_s / 60)} | ${b.requests} | ${b.errors} | ${b.latency_ms.p50} | ${b.latency_ms.p99} | ${b.latency_ms.max} |`,
    ),
    '',
    '![Resident size over the soak](img/bench-soak-rss.svg)',
  ];
  await writeBlock(root, 'bench-soak', lines.join('\n'));
}
