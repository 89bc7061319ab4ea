// Small numeric helpers shared by the load generator, the harness and the report.

/** The q-quantile (0..1) of an ascending array by the nearest-rank method; 0 when empty. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50, p95, p99, max and mean of latency samples in milliseconds, rounded to microseconds. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (x) => Math.round(x * 1000) / 1000;
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : 0),
    mean: round(sorted.length ? sum / sorted.length : 0),
  };
}

/** The median element of rounds by key (the lower middle one for an even count). */
export function medianBy(rounds, key) {
  if (rounds.length === 0) return undefined;
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
