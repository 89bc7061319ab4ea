// Hand-written SVG charts for docs/performance.md: no dependency, readable diffs, fixed fonts.

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const SERVICE = '#2f6fb0';
const BASELINE = '#9aa3ad';
const TARGET = '#c0392b';

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function fmt(n) {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function svg(width, height, body, title) {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">\n` +
    `<title>${esc(title)}</title>\n<rect width="100%" height="100%" fill="#ffffff"/>\n${body}</svg>\n`
  );
}

function legend(x, y, items) {
  return items
    .map(
      ([color, label], i) =>
        `<rect x="${x + i * 150}" y="${y - 10}" width="12" height="12" fill="${color}"/>` +
        `<text x="${x + i * 150 + 18}" y="${y}">${esc(label)}</text>`,
    )
    .join('\n');
}

/**
 * Throughput per path: two bars, service and baseline, each pair scaled to its larger value
 * (paths differ by orders of magnitude); the numbers and the ratio are written beside them and
 * the target ratio is a red tick on the baseline's scale.
 * rows: [{ name, service, baseline, unit, ratio, target }]
 */
export function throughputChart(rows, title) {
  const left = 300;
  const barW = 430;
  const rowH = 46;
  const top = 50;
  const width = left + barW + 190;
  const height = top + rows.length * rowH + 30;
  const parts = [`<text x="16" y="24" font-size="15" font-weight="600">${esc(title)}</text>`];
  parts.push(
    legend(left, 40, [
      [SERVICE, 'service'],
      [BASELINE, 'baseline'],
      [TARGET, 'target ratio'],
    ]),
  );
  rows.forEach((r, i) => {
    const y = top + i * rowH + 8;
    const max = Math.max(r.service, r.baseline, 1e-9);
    const ws = (r.service / max) * barW;
    const wb = (r.baseline / max) * barW;
    parts.push(`<text x="${left - 10}" y="${y + 12}" text-anchor="end">${esc(r.name)}</text>`);
    parts.push(
      `<text x="${left - 10}" y="${y + 27}" text-anchor="end" fill="#666" font-size="11">${esc(r.baselineName)}</text>`,
    );
    parts.push(`<rect x="${left}" y="${y}" width="${ws.toFixed(1)}" height="15" fill="${SERVICE}"/>`);
    parts.push(`<rect x="${left}" y="${y + 17}" width="${wb.toFixed(1)}" height="15" fill="${BASELINE}"/>`);
    parts.push(
      `<text x="${left + ws + 5}" y="${y + 12}" font-size="11">${fmt(r.service)} ${esc(r.unit)}</text>`,
    );
    parts.push(
      `<text x="${left + wb + 5}" y="${y + 29}" font-size="11" fill="#555">${fmt(r.baseline)} ${esc(r.unit)}</text>`,
    );
    if (r.target !== null && r.target !== undefined) {
      const tx = left + (r.target * r.baseline * barW) / max;
      parts.push(
        `<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${y - 3}" y2="${y + 18}" stroke="${TARGET}" stroke-width="2"/>`,
      );
    }
    const met = r.target === null || r.target === undefined ? '' : r.ratio >= r.target ? ' ✓' : ' ✗';
    parts.push(
      `<text x="${width - 16}" y="${y + 21}" text-anchor="end" font-weight="600" fill="${met === ' ✗' ? TARGET : '#222'}">× ${r.ratio ?? '—'}${met}</text>`,
    );
  });
  parts.push(
    `<text x="${width - 16}" y="${top - 8}" text-anchor="end" fill="#666" font-size="11">service ÷ baseline</text>`,
  );
  return svg(width, height, parts.join('\n') + '\n', title);
}

/**
 * Latency percentiles on a log scale: for each group (the whole mix, then each operation) the
 * p50, p95, p99 and max of the service and of the baseline, with the p99 target as a line.
 * groups: [{ name, service: {p50, p95, p99, max}, baseline: {...} }]
 */
export function latencyChart(groups, title, targetMs) {
  const keys = ['p50', 'p95', 'p99', 'max'];
  const left = 60;
  const top = 70;
  const plotH = 260;
  const bar = 11;
  const groupW = keys.length * (2 * bar + 10) + 30;
  const width = left + groups.length * groupW + 20;
  const height = top + plotH + 60;
  const values = groups
    .flatMap((g) => keys.flatMap((k) => [g.service[k], g.baseline?.[k] ?? 0]))
    .filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, Math.min(...values, targetMs)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, targetMs) * 1.05)));
  const y = (v) =>
    top +
    plotH -
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const parts = [`<text x="16" y="24" font-size="15" font-weight="600">${esc(title)}</text>`];
  parts.push(
    legend(left, 44, [
      [SERVICE, 'service'],
      [BASELINE, 'baseline'],
      [TARGET, `p99 target ${targetMs} ms`],
    ]),
  );
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) {
    const v = 10 ** e;
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#666">${v < 1 ? `${v.toFixed(2)} ms` : v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const gx = left + 15 + gi * groupW;
    keys.forEach((k, ki) => {
      const x = gx + ki * (2 * bar + 10);
      for (const [j, side, color] of [
        [0, g.service, SERVICE],
        [1, g.baseline, BASELINE],
      ]) {
        if (!side) continue;
        const v = side[k];
        const yy = y(v);
        parts.push(
          `<rect x="${x + j * bar}" y="${yy.toFixed(1)}" width="${bar - 1}" height="${(top + plotH - yy).toFixed(1)}" fill="${color}"><title>${esc(`${g.name} ${k}: ${v} ms`)}</title></rect>`,
        );
      }
      parts.push(
        `<text x="${x + bar}" y="${top + plotH + 14}" text-anchor="middle" font-size="10">${k}</text>`,
      );
    });
    parts.push(
      `<text x="${gx + (keys.length * (2 * bar + 10)) / 2 - 5}" y="${top + plotH + 32}" text-anchor="middle" font-size="11" font-weight="600">${esc(g.name)}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" x2="${width - 10}" y1="${y(targetMs).toFixed(1)}" y2="${y(targetMs).toFixed(1)}" stroke="${TARGET}" stroke-dasharray="5 4" stroke-width="1.5"/>`,
  );
  return svg(width, height, parts.join('\n') + '\n', title);
}

/** Resident size over time with the ±band around the settled median. samples: [{t_s, rss_kib}] */
export function rssChart(samples, median, band, title) {
  const left = 70;
  const top = 40;
  const plotW = 640;
  const plotH = 220;
  const width = left + plotW + 30;
  const height = top + plotH + 50;
  const mib = (k) => k / 1024;
  const tMax = Math.max(...samples.map((s) => s.t_s), 1);
  const peak = Math.max(...samples.map((s) => mib(s.rss_kib)), mib(median) * (1 + band)) * 1.1;
  const step = [10, 20, 25, 50, 100, 200, 250, 500, 1000].find((v) => peak / v <= 6) ?? 2000;
  const vMax = Math.ceil(peak / step) * step;
  const x = (t) => left + (t / tMax) * plotW;
  const y = (v) => top + plotH - (v / vMax) * plotH;
  const parts = [`<text x="16" y="24" font-size="15" font-weight="600">${esc(title)}</text>`];
  const steps = vMax / step;
  for (let i = 0; i <= steps; i++) {
    const v = i * step;
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#666">${Math.round(v)} MiB</text>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11" fill="#666">${Math.round(t)} s</text>`,
    );
  }
  const hiBand = y(mib(median) * (1 + band));
  const loBand = y(mib(median) * (1 - band));
  parts.push(
    `<rect x="${left}" y="${hiBand.toFixed(1)}" width="${plotW}" height="${(loBand - hiBand).toFixed(1)}" fill="#2f6fb0" opacity="0.08"/>`,
  );
  const points = samples.map((s) => `${x(s.t_s).toFixed(1)},${y(mib(s.rss_kib)).toFixed(1)}`).join(' ');
  parts.push(`<polyline points="${points}" fill="none" stroke="${SERVICE}" stroke-width="2"/>`);
  parts.push(
    `<text x="${left + plotW}" y="${(hiBand - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#666">median ±${Math.round(band * 100)}% after warm-up</text>`,
  );
  return svg(width, height, parts.join('\n') + '\n', title);
}
