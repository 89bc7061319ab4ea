// The 80/20 mix of the seed's load test as a k6 module, shared by load-test.js and peak-test.js:
// 60% GET /data/{id}, 20% GET /data?user_id= (first page), 20% POST /data, by users with records.
// Environment (besides each script's own): BASE_URL (http://localhost:8000), USERS (20) and
// RECORDS (10 per user), created in setup through POST /data/bulk, and either AUTH_JWT_SECRET
// (the server's HS256 secret: a token is minted per user, like `make token`) or TOKEN (one token,
// used for every user: give it data:admin) or neither (a server with AUTH_MODE=none).
// The benchmark harness (test/performance/bench/run.mjs) gives its own seeded users instead:
// DATA=<file> ({"users": [{"id", "token", "records": [ids]}]}, read once, shared by every VU),
// and PATHS=baseline sends the same mix to its bare baseline server (/a/record/<id>,
// /a/page/<user>, /c/data) instead of the service.
/* global __ENV, open */
import { fail } from 'k6';
import crypto from 'k6/crypto';
import { SharedArray } from 'k6/data';
import encoding from 'k6/encoding';
import http from 'k6/http';

export const BASE = __ENV.BASE_URL || 'http://localhost:8000';
const USERS = Number(__ENV.USERS || 20);
const RECORDS = Number(__ENV.RECORDS || 10);
const PAYLOAD = { name: 'João', age: 30, tags: ['a', 'b'], note: 'x'.repeat(40) };
const BASELINE = __ENV.PATHS === 'baseline';
const GIVEN = __ENV.DATA ? new SharedArray('users', () => JSON.parse(open(__ENV.DATA)).users) : null;

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
  return h;
}

/** The users of the mix: the harness's (DATA), or USERS users with RECORDS records each, created here. */
export function setupUsers() {
  if (GIVEN) return { users: null };
  const users = [];
  for (let u = 0; u < USERS; u++) {
    const id = `k6-user-${u}`;
    const token = mint(id);
    const body = JSON.stringify({
      items: Array.from({ length: RECORDS }, () => ({ user_id: id, payload: PAYLOAD })),
    });
    const res = http.post(`${BASE}/data/bulk`, body, { headers: headers(token, true) });
    if (res.status !== 201) fail(`setup: POST /data/bulk answered ${res.status}: ${res.body}`);
    users.push({ id, token, records: res.json('items').map((r) => r.id) });
  }
  return { users };
}

/**
 * One request of the mix, sent; `params` are added to each request's (timeout, say). Returns the
 * response, its operation (get, list, create) and the status that means success.
 */
export function mixRequest(data, params = {}) {
  const users = GIVEN ?? data.users;
  const user = users[Math.floor(Math.random() * users.length)];
  const r = Math.random();
  if (r < 0.6) {
    const id = user.records[Math.floor(Math.random() * user.records.length)];
    const res = http.get(BASELINE ? `${BASE}/a/record/${id}` : `${BASE}/data/${id}`, {
      ...params,
      headers: headers(user.token, false),
      tags: { name: 'GET /data/{id}', op: 'get' },
    });
    return { res, op: 'get', want: 200 };
  }
  if (r < 0.8) {
    const res = http.get(BASELINE ? `${BASE}/a/page/${user.id}` : `${BASE}/data?user_id=${user.id}`, {
      ...params,
      headers: headers(user.token, false),
      tags: { name: 'GET /data?user_id=', op: 'list' },
    });
    return { res, op: 'list', want: 200 };
  }
  const res = http.post(
    BASELINE ? `${BASE}/c/data` : `${BASE}/data`,
    JSON.stringify({ user_id: user.id, payload: PAYLOAD }),
    {
      ...params,
      headers: headers(user.token, true),
      tags: { name: 'POST /data', op: 'create' },
    },
  );
  return { res, op: 'create', want: 201 };
}
