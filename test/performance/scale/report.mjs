// The outputs of a run: the JSON report under .reports/bench/, the table between the
// bench-scale markers of docs/performance.md and the chart docs/img/scale-latency.svg. Every
// step measured so far on the database is reported, so a later run that only adds a step
// (ROWS=100000000) still produces the whole table.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const BEGIN = '<!-- bench-scale:begin -->';
const END = '<!-- bench-scale:end -->';

const mb = (b) =>
  b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(2)} GiB` : `${(b / 1024 ** 2).toFixed(0)} MiB`;
const rowsLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}%`;

export function writeJson(root, run) {
  const dir = join(root, '.reports/bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `scale-${run.started_at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}

// Execution time, shared buffers touched, partitions executed of those planned. Planning time is
// in the JSON report (steps measured before it was taken on a warm session hold a cold one).
function sqlCell(e) {
  const parts =
    e.relations_executed === undefined ? '' : `, ${e.relations_executed}/${e.relations_planned} parts`;
  return `${ms(e.execution_ms)} ms, ${e.shared_hit_blocks + e.shared_read_blocks} buf${parts}`;
}

function loadRange(step) {
  const loads = [step.http.first_page.loadavg_1m, step.http.deep_page.loadavg_1m];
  const lo = Math.min(...loads.map((l) => l.before));
  const hi = Math.max(...loads.map((l) => l.max ?? l.after));
  return `${lo.toFixed(1)}–${hi.toFixed(1)}`;
}

function table(steps) {
  const base = steps[0];
  const lines = [
    '| Rows | records on disk (heap + indexes) | database | bytes/row | first page p50 / p95 / p99 (ms) | deep page p50 / p95 / p99 (ms) | p95 vs ' +
      `${rowsLabel(base.rows)}: first / deep | SQL first / deep: execution, shared buffers, partitions run/planned | load avg (1 min) |`,
    '|---:|---|---:|---:|---|---|---|---|---:|',
  ];
  for (const s of steps) {
    const f = s.http.first_page;
    const d = s.http.deep_page;
    const ef = s.explain.first_page.repeat;
    const ed = s.explain.deep_page.repeat;
    const degF = (f.p95_ms / base.http.first_page.p95_ms - 1) * 100;
    const degD = (d.p95_ms / base.http.deep_page.p95_ms - 1) * 100;
    lines.push(
      `| ${rowsLabel(s.rows)} | ${mb(s.disk.records_total_bytes)} (${mb(s.disk.records_table_bytes)} + ` +
        `${mb(s.disk.records_index_bytes)}) | ${mb(s.disk.database_bytes)} | ` +
        `${Math.round(s.disk.records_total_bytes / s.rows)} | ` +
        `${ms(f.p50_ms)} / **${ms(f.p95_ms)}** / ${ms(f.p99_ms)} | ${ms(d.p50_ms)} / **${ms(d.p95_ms)}** / ${ms(d.p99_ms)} | ` +
        `${s === base ? '—' : `${pct(degF)} / ${pct(degD)}`} | ` +
        `${sqlCell(ef)} / ${sqlCell(ed)} | ` +
        `${loadRange(s)} |`,
    );
  }
  return lines.join('\n');
}

function loadLines(steps) {
  return steps
    .filter((s) => s.load && s.load.added > 0)
    .map(
      (s) =>
        `- to ${rowsLabel(s.rows)}: ${s.load.added.toLocaleString('en')} rows in ${Math.round(s.load.seconds)} s ` +
        `(${Math.round(s.load.added / s.load.seconds).toLocaleString('en')} rows/s, ${s.load.jobs} sessions` +
        (s.load.index_seconds
          ? `, keys and indexes dropped for the load and built after it in ${Math.round(s.load.index_seconds)} s`
          : '') +
        `), VACUUM ANALYZE ${Math.round(s.vacuum_seconds)} s`,
    )
    .join('\n');
}

/** The newest interleaved comparison (compare.mjs) as a table, when there is one. */
function comparisonLines(c) {
  if (!c) return [];
  const base = c.results[0];
  const lines = [
    `Interleaved (\`compare.mjs\`, ${c.started_at.slice(0, 16).replace('T', ' ')} UTC): one server per size at ` +
      `once, ${c.settings.rounds} alternating rounds, ${c.settings.requests} requests per page kind and size, ` +
      `load average ${c.loadavg_1m.min.toFixed(1)}–${c.loadavg_1m.max.toFixed(1)} on ${c.cpus} CPUs:`,
    '',
    '| Rows | database | first page p50 / p95 / p99 (ms) | deep page p50 / p95 / p99 (ms) | ' +
      `spread first pages p50 / p95 / p99 (ms) | p95 vs ${rowsLabel(base.rows)}: first / deep / spread | ` +
      'median of round p95s: first / deep |',
    '|---:|---|---|---|---|---|---|',
  ];
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cell = (x) => (x ? `${ms(x.p50_ms)} / **${ms(x.p95_ms)}** / ${ms(x.p99_ms)}` : '—');
  for (const r of c.results) {
    const f = r.http.first_page;
    const d = r.http.deep_page;
    const sp = r.http.spread_page;
    const deg = (x, y) => (x && y ? pct((x.p95_ms / y.p95_ms - 1) * 100) : '—');
    lines.push(
      `| ${rowsLabel(r.rows)} | \`${r.database}\` | ${cell(f)} | ${cell(d)} | ${cell(sp)} | ` +
        `${r === base ? '—' : `${deg(f, base.http.first_page)} / ${deg(d, base.http.deep_page)} / ${deg(sp, base.http.spread_page)}`} | ` +
        `${ms(median(f.rounds_p95_ms))} / ${ms(median(d.rounds_p95_ms))} |`,
    );
  }
  if (c.results.some((r) => r.http.spread_page)) {
    lines.push(
      '',
      `_Spread_: the first page of ${c.results[0].http.spread_page?.count ?? 0} other users, each asked for once in the ` +
        'run (the same users at every size), so the repetition of the other kinds does not keep their pages warm.',
    );
  }
  return [...lines, ''];
}

/** The generated part of docs/performance.md (between the bench-scale markers). */
export function markdownBlock(steps, run, comparison) {
  const last = steps[steps.length - 1];
  const schema = last.schema;
  return [
    `_Generated by \`make bench-scale\` on ${run.started_at.slice(0, 10)}: ${run.machine.cpus} CPUs, ` +
      `${run.machine.memory_gib} GiB RAM, PostgreSQL ${run.machine.postgres}, shared_buffers ${run.machine.shared_buffers}; ` +
      `schema ${schema.migrations.join(', ')}${schema.partitioned ? ` (records partitioned, ${schema.partitions} partitions)` : ' (records not partitioned)'}; ` +
      `${run.settings.concurrency} concurrent keep-alive clients, ${run.settings.requests} requests per page kind ` +
      `in ${run.settings.rounds} alternating rounds (${run.settings.warmup} warm-up each); limit ${run.settings.limit}, deep page = after ${run.settings.deep_pages} pages ` +
      `(${run.settings.deep_pages * run.settings.limit} rows) of a hot user._`,
    '',
    table(steps),
    '',
    ...comparisonLines(comparison),
    '![p95 latency of GET /data?user_id= against table size](img/scale-latency.svg)',
    '',
    'Loading (set-based `INSERT ... SELECT FROM generate_series` in the server):',
    '',
    loadLines(steps) || '- (no rows added in the runs reported)',
  ].join('\n');
}

/** Prettier's formatting of the block (as `make lint` checks it), when Prettier is installed. */
async function pretty(markdown, file) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trimEnd();
  } catch {
    return markdown;
  }
}

/** Replaces only the bench-scale block; creates the file with both marker pairs if missing. */
export async function writeMarkdown(root, content) {
  const file = join(root, 'docs/performance.md');
  const block = `${BEGIN}\n\n${await pretty(content, file)}\n\n${END}`;
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : `# Performance\n\n<!-- bench:begin -->\n<!-- bench:end -->\n\n## Scale\n\n${BEGIN}\n${END}\n`;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) text = `${text.trimEnd()}\n\n## Scale\n\n${block}\n`;
  else text = text.slice(0, a) + block + text.slice(b + END.length);
  writeFileSync(file, text);
  return file;
}

/**
 * Latency p95 against table size, log x axis, hand-written SVG: the steps as measured one after
 * the other (solid), and the newest interleaved comparison when there is one (hollow points),
 * with the +10% target drawn from the smallest size of the latter (else of the steps).
 */
export function svgChart(steps, comparison) {
  const W = 800;
  const H = 400;
  const m = { l: 64, r: 230, t: 40, b: 56 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const sets = [{ name: 'steps', points: steps, solid: true }];
  if (comparison) sets.push({ name: 'interleaved', points: comparison.results, solid: false });
  const all = sets.flatMap((set) => set.points);
  const lo = Math.min(6, ...all.map((p) => Math.floor(Math.log10(p.rows))));
  const hi = Math.max(8, ...all.map((p) => Math.ceil(Math.log10(p.rows))));
  const r1 = (v) => Math.round(v * 10) / 10;
  const x = (rows) => r1(m.l + ((Math.log10(rows) - lo) / (hi - lo)) * pw);
  const series = [
    { key: 'first_page', name: 'first page', color: '#1f77b4' },
    { key: 'deep_page', name: 'deep page', color: '#d62728' },
  ];
  const top = Math.max(...all.flatMap((p) => series.map((se) => p.http[se.key].p95_ms)), 1) * 1.2;
  const stepSize = [0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500].find((v) => top / v <= 8) ?? 1000;
  const ymax = Math.ceil(top / stepSize) * stepSize;
  const y = (v) => r1(m.t + ph - (v / ymax) * ph);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="22" font-size="14" font-weight="bold">GET /data?user_id= p95 latency against table size</text>`,
  ];
  for (let v = 0; v <= ymax + 1e-9; v += stepSize) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (let e = lo; e <= hi; e++) {
    const label = e >= 6 ? `${10 ** (e - 6)}M` : `${10 ** (e - 3)}k`;
    out.push(`<line x1="${x(10 ** e)}" x2="${x(10 ** e)}" y1="${m.t}" y2="${m.t + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x(10 ** e)}" y="${m.t + ph + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 14}" text-anchor="middle">rows in records (log scale)</text>`,
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">p95 latency (ms)</text>`,
  );
  const lx = m.l + pw + 16;
  let ly = m.t + 10;
  const legend = (shape, text) => {
    out.push(shape(lx, ly), `<text x="${lx + 30}" y="${ly + 4}">${text}</text>`);
    ly += 18;
  };
  for (const se of series) {
    const baseSet = sets[sets.length - 1];
    const target = r1(baseSet.points[0].http[se.key].p95_ms * 1.1);
    out.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${y(target)}" y2="${y(target)}" stroke="${se.color}" stroke-dasharray="2 4" opacity="0.8"/>`,
    );
    for (const set of sets) {
      const pts = set.points.map((p) => [x(p.rows), y(p.http[se.key].p95_ms), p.http[se.key].p95_ms]);
      out.push(
        `<polyline fill="none" stroke="${se.color}" stroke-width="${set.solid ? 2.5 : 1.5}" points="${pts.map((p) => `${p[0]},${p[1]}`).join(' ')}"/>`,
      );
      for (const [px, py, v] of pts) {
        out.push(
          set.solid
            ? `<circle cx="${px}" cy="${py}" r="4" fill="${se.color}"/>`
            : `<circle cx="${px}" cy="${py}" r="4.5" fill="#fff" stroke="${se.color}" stroke-width="1.5"/>`,
          `<text x="${px + 7}" y="${py + (set.solid ? -6 : 14)}" fill="${se.color}">${ms(v)}</text>`,
        );
      }
      legend(
        (a, b) =>
          `<line x1="${a}" x2="${a + 24}" y1="${b}" y2="${b}" stroke="${se.color}" stroke-width="${set.solid ? 2.5 : 1.5}"/>` +
          (set.solid
            ? `<circle cx="${a + 12}" cy="${b}" r="4" fill="${se.color}"/>`
            : `<circle cx="${a + 12}" cy="${b}" r="4.5" fill="#fff" stroke="${se.color}" stroke-width="1.5"/>`),
        `${se.name}, ${set.name}`,
      );
    }
    legend(
      (a, b) =>
        `<line x1="${a}" x2="${a + 24}" y1="${b}" y2="${b}" stroke="${se.color}" stroke-dasharray="2 4" opacity="0.8"/>`,
      `${se.name}, ${rowsLabel(baseSet.points[0].rows)} + 10%`,
    );
    ly += 10;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function writeSvg(root, steps, comparison) {
  const file = join(root, 'docs/img/scale-latency.svg');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, svgChart(steps, comparison));
  return file;
}
