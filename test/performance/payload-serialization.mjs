// The cost of turning a stored payload into answer bytes, before and after payloads stayed JSON
// text (docs/payload-numbers.md), in one process, interleaved rounds, median per operation.
// Before: the driver parses jsonb (JSON.parse), the service serializes the record
// (JSON.stringify). After: jsonb's text, compacted, spliced into the record's text. Also the
// request side: a body parsed plainly and one that keeps number text. Needs `make build` first.
//   node test/performance/payload-serialization.mjs      (ROUNDS=7 MS=500)
import { performance } from 'node:perf_hooks';
import { compactJsonText, parseJsonExact } from '../../dist/src/domain/json-value.js';
import { pageBytes, entryOf } from '../../dist/src/services/record-views.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const MS = Number(process.env.MS ?? 500);

const small = { name: 'João', age: 30, tags: ['a', 'b'], note: 'x'.repeat(40) }; // make bench's payload
const order = {
  customer: { id: 'c-1029', name: 'Maria Silva', email: 'maria@example.com', tier: 'gold' },
  items: Array.from({ length: 8 }, (_, i) => ({
    sku: `SKU-${1000 + i}`,
    qty: i + 1,
    price: 9.99 + i,
    tax: 0.23,
  })),
  shipping: { street: 'Rua Augusta 100', city: 'Lisboa', zip: '1100-053', geo: [38.7139, -9.1394] },
  total: 412.56,
  notes: 'leave at the door',
};
const large = {
  rows: Array.from({ length: 60 }, (_, i) => ({ ...order.items[i % 8], line: i, memo: 'y'.repeat(40) })),
};

/** jsonb's text of a payload, as PostgreSQL sends it: members by length, ", " and ": " between. */
function jsonbText(v) {
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(', ')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const keys = Object.keys(v).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText(v[k])}`).join(', ')}}`;
}

const row = (payload) => ({
  id: '01937a4e-8f2c-7cc1-9b1e-5f4a2d3c1b0a',
  userId: 'user-123',
  createdAt: new Date('2026-11-30T10:00:00.000Z'),
  updatedAt: new Date('2026-11-30T10:00:00.000Z'),
  version: 3,
  text: jsonbText(payload),
});

function recordJson(r, payload) {
  return {
    id: r.id,
    user_id: r.userId,
    payload,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    version: r.version,
  };
}

const cases = [];
for (const [name, payload] of Object.entries({ small, order, large })) {
  const r = row(payload);
  const page = Array.from({ length: 20 }, () => r);
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  cases.push({
    label: `record, ${name} payload (${bytes} B)`,
    before: () => Buffer.from(JSON.stringify(recordJson(r, JSON.parse(r.text)))),
    after: () => entryOf({ ...r, payload: compactJsonText(r.text) }).bytes,
  });
  if (name === 'order') {
    cases.push({
      label: `jsonb text of the ${name} payload: JSON.parse (the driver) vs compacting it`,
      before: () => JSON.parse(r.text),
      after: () => compactJsonText(r.text),
    });
  }
  cases.push({
    label: `page of 20, ${name} payload`,
    before: () =>
      Buffer.from(
        JSON.stringify({ items: page.map((x) => recordJson(x, JSON.parse(x.text))), next_cursor: null }),
      ),
    after: () =>
      pageBytes(
        page.map((x) => ({ ...x, payload: compactJsonText(x.text) })),
        null,
      ),
  });
}
const body = JSON.stringify({ user_id: 'u', payload: order });
const exactBody = body.replace('412.56', '412.560').replace('"qty":1', '"qty":18446744073709551615');
cases.push({
  label: 'request body, order payload: plain parse vs one keeping number text',
  before: () => JSON.parse(body),
  after: () => parseJsonExact(exactBody, true),
});

// Before and after answer the same JSON (these payloads hold no number a double changes).
for (const c of cases.filter((x) => /^(record|page)/.test(x.label))) {
  if (JSON.stringify(JSON.parse(c.before())) !== JSON.stringify(JSON.parse(c.after()))) {
    throw new Error(`${c.label}: before and after differ`);
  }
}

function rate(fn) {
  const end = performance.now() + MS;
  let n = 0;
  while (performance.now() < end) for (let i = 0; i < 10; i++, n++) fn();
  return (MS * 1000) / n; // µs per operation
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

console.log(`| operation | before (µs) | after (µs) | after / before |`);
console.log(`| --- | ---: | ---: | ---: |`);
for (const c of cases) {
  rate(c.before);
  rate(c.after);
  const before = [];
  const after = [];
  for (let i = 0; i < ROUNDS; i++) {
    before.push(rate(c.before));
    after.push(rate(c.after));
  }
  const [b, a] = [median(before), median(after)];
  console.log(`| ${c.label} | ${b.toFixed(2)} | ${a.toFixed(2)} | ${(a / b).toFixed(2)} |`);
}
