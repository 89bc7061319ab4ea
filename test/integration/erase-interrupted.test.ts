/**
 * An erase (DELETE /data?user_id=) interrupted by a crash, on PostgreSQL: the server process is
 * SIGKILLed while it deletes the user's records. Each batch committed on its own, so what it
 * deleted stays deleted, and an erase through another instance deletes the rest. While it runs,
 * a write to a record it has not reached yet is answered at once: no batch holds a lock on more
 * than its own rows, and none for long.
 */
import { adminQuery, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const RECORDS = 50_000;
let t: TestDatabase;
const started: ServerProcess[] = [];

beforeAll(async () => {
  t = await openTestDatabase('postgres');
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.kill()));
  await t.drop();
});

async function server(): Promise<ServerProcess> {
  const p = await startServerProcess({ ...t.env, MIGRATE_ON_START: 'false', BULK_MAX_ITEMS: '1000' });
  started.push(p);
  return p;
}

const left = async (): Promise<number> =>
  (await adminQuery(`SELECT count(*)::int AS n FROM ${t.schema}.records WHERE user_id = 'doomed'`)).rows[0].n;

test('when the server is killed during an erase, then what it deleted stays deleted, and an erase elsewhere deletes the rest', async () => {
  const a = await server();
  let oldest = '';
  for (let b = 0; b < RECORDS / 1000; b++) {
    const items = Array.from({ length: 1000 }, (_, i) => ({ user_id: 'doomed', payload: { b, i } }));
    const res = await fetch(`${a.url}/data/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(res.status).toBe(201);
    if (b === 0) oldest = ((await res.json()) as { items: { id: string }[] }).items[0]!.id;
    else await res.arrayBuffer();
  }
  expect(await left()).toBe(RECORDS);

  void fetch(`${a.url}/data?user_id=doomed`, { method: 'DELETE' }).catch(() => undefined);
  const until = Date.now() + 20_000;
  while ((await left()) === RECORDS && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  // The erase goes newest first: the oldest record is the last it reaches. Changing it now is
  // answered at once, though the erase is running on the same user.
  const before = Date.now();
  const put = await fetch(`${a.url}/data/${oldest}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload: { changed: true } }),
  });
  const putMs = Date.now() - before;
  await a.kill();
  expect(put.status).toBe(200);
  expect(putMs).toBeLessThan(1000);

  const afterKill = await left();
  expect(afterKill).toBeGreaterThan(0);
  expect(afterKill).toBeLessThan(RECORDS);
  // Nothing that was deleted comes back: every batch had committed.
  await new Promise((r) => setTimeout(r, 300));
  expect(await left()).toBe(afterKill);

  const b = await server();
  const retry = await fetch(`${b.url}/data?user_id=doomed`, { method: 'DELETE' });
  expect([retry.status, await retry.json()]).toEqual([200, { user_id: 'doomed', deleted: afterKill }]);
  expect(await left()).toBe(0);
  const again = await fetch(`${b.url}/data?user_id=doomed`, { method: 'DELETE' });
  expect(await again.json()).toEqual({ user_id: 'doomed', deleted: 0 });
  expect((await fetch(`${b.url}/data/${oldest}`)).status).toBe(404);
}, 180_000);
