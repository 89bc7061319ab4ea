// The seed's peak, run with k6 (https://k6.io): the 80/20 mix of load-test.js offered at 5,000
// requests/s for 30 s, then at 1,000 requests/s for 10 s to show the recovery. A service at its
// limit should refuse what it cannot answer in time (503 overloaded, at once) and answer the rest
// quickly, instead of queueing everything; then serve 1,000/s as before.
//   k6 run -e BASE_URL=http://localhost:8000 test/performance/peak-test.js
//   make bench-peak      (the service with WORKERS=2 and auth off, seeded, then this script)
// Environment: PEAK_RATE (5000), PEAK_DURATION (30s), RECOVERY_RATE (1000), RECOVERY_DURATION
// (10s), TIMEOUT (10s: a request unanswered by then counts as a timeout), PRE_VUS (1000, made
// before the start: making VUs during the peak costs k6 CPU the service would need), MAX_VUS
// (3000), and the mix's (BASE_URL, USERS, RECORDS, AUTH_JWT_SECRET or TOKEN, DATA: see k6-mix.js).
// What it counts, by scenario (peak, recovery):
//   answered_ms      time to a 2xx answer (connecting included: a queue in the listen backlog shows)
//   shed, shed_ms    503 overloaded (DAPI-5033) answers, and how long each took
//   other_5xx        any other 5xx (503 of another kind included)
//   timeouts         requests with no answer within TIMEOUT
//   other_failures   4xx, and connections refused or reset
// Thresholds (each can be changed): no other 5xx, no timeout, no other failure; answered p99 at
// the peak under PEAK_P99_MS (1000) and after it under RECOVERY_P99_MS (100); shed answers p99
// under SHED_P99_MS (1000). k6 exits 99 when one is crossed.
/* global __ENV */
import { Counter, Trend } from 'k6/metrics';
import { mixRequest, setupUsers } from './k6-mix.js';

const PEAK_DURATION = __ENV.PEAK_DURATION || '30s';
const MAX_VUS = Number(__ENV.MAX_VUS || 3000);
const PRE_VUS = Math.min(MAX_VUS, Number(__ENV.PRE_VUS || 1000));
const TIMEOUT = __ENV.TIMEOUT || '10s';

const answered = new Trend('answered_ms', true);
const shedMs = new Trend('shed_ms', true);
const shed = new Counter('shed');
const other5xx = new Counter('other_5xx');
const timeouts = new Counter('timeouts');
const otherFailures = new Counter('other_failures');

const phases = ['peak', 'recovery'];
const perPhase = (metric, rules) =>
  Object.fromEntries(phases.map((p) => [`${metric}{scenario:${p}}`, rules]));

export const options = {
  scenarios: {
    peak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.PEAK_RATE || 5000),
      timeUnit: '1s',
      duration: PEAK_DURATION,
      preAllocatedVUs: PRE_VUS,
      maxVUs: MAX_VUS,
      gracefulStop: '0s',
    },
    recovery: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RECOVERY_RATE || 1000),
      timeUnit: '1s',
      duration: __ENV.RECOVERY_DURATION || '10s',
      startTime: PEAK_DURATION,
      preAllocatedVUs: 100,
      maxVUs: MAX_VUS,
    },
  },
  // 503 overloaded is an answer the peak expects: it is counted as shed, not as a failure.
  thresholds: {
    other_5xx: ['count==0'],
    timeouts: ['count==0'],
    other_failures: ['count==0'],
    'answered_ms{scenario:peak}': [`p(99)<${Number(__ENV.PEAK_P99_MS || 1000)}`],
    'answered_ms{scenario:recovery}': [`p(99)<${Number(__ENV.RECOVERY_P99_MS || 100)}`],
    'shed_ms{scenario:peak}': [`p(99)<${Number(__ENV.SHED_P99_MS || 1000)}`],
    // Listed so that the summary carries each phase's figures (never crossed).
    ...perPhase('shed', ['count>=0']),
    ...perPhase('other_5xx', ['count>=0']),
    ...perPhase('timeouts', ['count>=0']),
    ...perPhase('other_failures', ['count>=0']),
    ...perPhase('http_reqs', ['count>=0']),
    ...perPhase('dropped_iterations', ['count>=0']),
    'shed_ms{scenario:recovery}': ['max>=0'],
    dropped_iterations: ['count>=0'],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  return setupUsers();
}

export default function (data) {
  // No response callback: http_req_failed is not computed (the counters above say more).
  const { res, want } = mixRequest(data, { timeout: TIMEOUT, responseCallback: null });
  const ms = res.timings.duration + res.timings.connecting;
  if (res.status === want) answered.add(ms);
  else if (res.status === 503 && String(res.body).includes('DAPI-5033')) {
    shed.add(1);
    shedMs.add(ms);
  } else if (res.status >= 500) other5xx.add(1);
  else if (res.status === 0 && res.error_code === 1050) timeouts.add(1);
  else otherFailures.add(1);
}
