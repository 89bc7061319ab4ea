/**
 * The lease of an Idempotency-Key, as a crash: the process that holds a key dies (kill -9) while
 * its insert waits on a lock; a retry on another instance is told to wait while the lease runs,
 * then takes the key over and succeeds once, and exactly one record exists, although the dead
 * process's insert was sent and the lock is released after the takeover (docs/security.md).
 * The holder is a process of the built server (`make test` builds dist/ first).
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestServer } from '../helpers/server.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const LEASE_SECONDS = 4;
// The lease must outlast a connection's wait plus a statement: 1 s + 1 s + 2 s.
const TIMEOUTS = {
  DB_CONNECT_TIMEOUT_MS: '1000',
  DB_STATEMENT_TIMEOUT_MS: '1000',
  IDEMPOTENCY_LEASE_SECONDS: String(LEASE_SECONDS),
};

let t: TestDatabase;
let holder: ServerProcess;
let retrier: TestServer;
let admin: pg.Client;

beforeAll(async () => {
  t = await openTestDatabase('postgres');
  holder = await startServerProcess({ ...t.env, ...TIMEOUTS, MIGRATE_ON_START: 'false' });
  retrier = await startServerOn(t.db, TIMEOUTS);
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await holder.kill();
  await retrier.close();
  await admin.end();
  await t.drop();
});

async function adminCount(sql: string, params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Inserts into this schema's records that wait for a lock. */
const waitingInserts = () =>
  adminCount(`SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = $1::regclass`, [
    `${t.schema}.records`,
  ]);

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('when the process holding a key is killed while its insert waits, then a retry elsewhere succeeds once after the lease and one record exists', async () => {
  const key = `crash-${randomBytes(4).toString('hex')}`;
  const body = { user_id: 'lease-crash', payload: { once: true } };
  const headers = { 'content-type': 'application/json', 'idempotency-key': key };

  // Inserts into records wait for this lock (SHARE conflicts with the insert's ROW EXCLUSIVE).
  await admin.query('BEGIN');
  await admin.query(`LOCK TABLE ${t.schema}.records IN SHARE MODE`);
  try {
    const first = fetch(`${holder.url}/data`, { method: 'POST', headers, body: JSON.stringify(body) }).catch(
      () => 'connection lost',
    );
    await until(
      'the holder to claim the key and wait on the lock',
      async () => (await waitingInserts()) === 1,
    );
    const claimed = await adminCount(
      `SELECT count(*) AS n FROM ${t.schema}.idempotency_keys WHERE key = $1 AND state = 'in-flight'`,
      [key],
    );
    expect(claimed).toBe(1);
    const killedAt = Date.now();
    await holder.kill();
    expect(await first).toBe('connection lost');

    // During the lease the key is the dead holder's: 409, told how long to wait.
    const early = await retrier.request('POST', '/data', { body, headers: { 'idempotency-key': key } });
    expect(early.status).toBe(409);
    const wait = Number(early.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(LEASE_SECONDS);

    // The dead holder's insert is cancelled by its statement timeout before the lease ends.
    await until('the dead holder insert to be cancelled', async () => (await waitingInserts()) === 0);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_SECONDS * 1000);

    // After the lease, a retry takes the key over; its insert waits on the lock, which is then
    // released: had the holder's insert still been waiting, both would now run.
    await new Promise((r) => setTimeout(r, Math.max(0, wait * 1000 - (Date.now() - killedAt)) + 200));
    let retry = retrier.request('POST', '/data', { body, headers: { 'idempotency-key': key } });
    await until('the retry insert to wait on the lock', async () => (await waitingInserts()) === 1);
    await admin.query('COMMIT');
    let answer = await retry;
    expect([answer.status, answer.headers.get('idempotent-replayed')]).toEqual([201, null]);
    const id = answer.body.id as string;

    // The key is done now: every further retry replays that answer.
    retry = retrier.request('POST', '/data', { body, headers: { 'idempotency-key': key } });
    answer = await retry;
    expect([answer.status, answer.body.id, answer.headers.get('idempotent-replayed')]).toEqual([
      201,
      id,
      'true',
    ]);
    expect(
      await adminCount(`SELECT count(*) AS n FROM ${t.schema}.records WHERE user_id = $1`, [body.user_id]),
    ).toBe(1);
  } finally {
    await admin.query('ROLLBACK').catch(() => undefined);
  }
}, 60_000);
