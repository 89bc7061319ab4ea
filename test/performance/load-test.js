// The seed's load test, for teams that have k6 (https://k6.io): the 80/20 mix at a fixed arrival
// rate of 1,000 requests/s with the thresholds of issue #7 (p99 under 10 ms, no failed request).
//   k6 run -e BASE_URL=http://localhost:8000 -e AUTH_JWT_SECRET=... test/performance/load-test.js
// Without k6, the same scenario runs with this repository's own load generator:
//   make bench-mix            (BENCH_RATE=1000, BENCH_MIX_DURATION=10 per round)
// Environment: BASE_URL (http://localhost:8000), RATE (1000), DURATION (1m), USERS (20),
// RECORDS (10 per user, created in setup), and either AUTH_JWT_SECRET (the server's HS256
// secret: a token is minted per user, like `make token`) or TOKEN (one token, used for every
// user: give it data:admin) or neither (a server with AUTH_MODE=none).
// The shares: 60% GET /data/{id}, 20% GET /data?user_id= (first page), 20% POST /data.
// The server's per-user budget (100 requests/min by default) must be raised for this rate, as the
// harness does: RATE_LIMIT_READ_PER_MINUTE=1000000 RATE_LIMIT_WRITE_PER_MINUTE=1000000.
/* global __ENV */
import { check, fail } from 'k6';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import http from 'k6/http';

const BASE = __ENV.BASE_URL || 'http://localhost:8000';
const RATE = Number(__ENV.RATE || 1000);
const USERS = Number(__ENV.USERS || 20);
const RECORDS = Number(__ENV.RECORDS || 10);
const PAYLOAD = { name: 'João', age: 30, tags: ['a', 'b'], note: 'x'.repeat(40) };

export const options = {
  scenarios: {
    mix: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '1m',
      preAllocatedVUs: 100,
      maxVUs: 1000,
    },
  },
  thresholds: {
    http_req_duration: ['p(50)<5', 'p(95)<8', 'p(99)<10'],
    'http_req_duration{op:get}': ['p(99)<10'],
    'http_req_duration{op:list}': ['p(99)<10'],
    'http_req_duration{op:create}': ['p(99)<10'],
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

/** An HS256 token for one user, as `make token` mints it. */
function mint(sub) {
  if (!__ENV.AUTH_JWT_SECRET) return __ENV.TOKEN || null;
  const now = Math.floor(Date.now() / 1000);
  const part = (obj) => encoding.b64encode(JSON.stringify(obj), 'rawurl');
  const unsigned = `${part({ alg: 'HS256', typ: 'at+jwt' })}.${part({
    sub,
    scope: 'data:read data:write',
    iss: __ENV.AUTH_JWT_ISSUER || 'data-api',
    aud: __ENV.AUTH_JWT_AUDIENCE || 'data-api',
    iat: now,
    exp: now + 3 * 3600,
  })}`;
  return `${unsigned}.${crypto.hmac('sha256', __ENV.AUTH_JWT_SECRET, unsigned, 'base64rawurl')}`;
}

function headers(token, json) {
  const h = json ? { 'Content-Type': 'application/json' } : {};
  if (token) h.Authorization = `Bearer ${token}`;
  return { headers: h };
}

export function setup() {
  const users = [];
  for (let u = 0; u < USERS; u++) {
    const id = `k6-user-${u}`;
    const token = mint(id);
    const body = JSON.stringify({
      items: Array.from({ length: RECORDS }, () => ({ user_id: id, payload: PAYLOAD })),
    });
    const res = http.post(`${BASE}/data/bulk`, body, headers(token, true));
    if (res.status !== 201) fail(`setup: POST /data/bulk answered ${res.status}: ${res.body}`);
    users.push({ id, token, records: res.json('items').map((r) => r.id) });
  }
  return { users };
}

export default function (data) {
  const user = data.users[Math.floor(Math.random() * data.users.length)];
  const r = Math.random();
  if (r < 0.6) {
    const id = user.records[Math.floor(Math.random() * user.records.length)];
    const res = http.get(`${BASE}/data/${id}`, {
      ...headers(user.token, false),
      tags: { name: 'GET /data/{id}', op: 'get' },
    });
    check(res, { 'read 200': (x) => x.status === 200 });
  } else if (r < 0.8) {
    const res = http.get(`${BASE}/data?user_id=${user.id}`, {
      ...headers(user.token, false),
      tags: { name: 'GET /data?user_id=', op: 'list' },
    });
    check(res, { 'list 200': (x) => x.status === 200 });
  } else {
    const res = http.post(`${BASE}/data`, JSON.stringify({ user_id: user.id, payload: PAYLOAD }), {
      ...headers(user.token, true),
      tags: { name: 'POST /data', op: 'create' },
    });
    check(res, { 'create 201': (x) => x.status === 201 });
  }
}
