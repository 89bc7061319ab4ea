/**
 * The service through a real PgBouncer in transaction mode: Debian's 1.18, which refuses unknown
 * start-up parameters and does not track prepared statements (DB_POOLER=transaction), started by
 * the test in front of the PostgreSQL at TEST_DATABASE_URL (docs/kubernetes-deployment.md#pgbouncer).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_MIGRATIONS_DIR } from '../../src/config/paths.js';
import type { Database } from '../../src/data/database.js';
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { createPostgres, type PostgresOptions } from '../../src/data/postgres.js';
import type { Statement } from '../../src/data/sql-catalog.js';
import { AppError } from '../../src/domain/errors.js';
import { adminQuery, TEST_DATABASE_URL, uniqueSchema } from '../helpers/databases.js';
import { startPgbouncer, type TestPgbouncer } from '../helpers/pgbouncer.js';
import { startServerOn } from '../helpers/server.js';

const SELECT_ONE: Statement = { name: 'dapiSelectOne', text: 'SELECT 1 AS one', params: [] };

function through(bouncer: TestPgbouncer, o: Partial<PostgresOptions> & { schema: string }): Database {
  return createPostgres({
    url: bouncer.url,
    poolMax: 4,
    connectTimeoutMs: 3000,
    statementTimeoutMs: 5000,
    ...o,
  });
}

/** What a fresh client of the pooler sees of the session settings (the service sends none here). */
async function settingsSeenBy(url: string): Promise<{ statement_timeout: string; search_path: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ statement_timeout: string; search_path: string }>(
      "SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('search_path') AS search_path",
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

describe('through PgBouncer 1.18 in transaction mode', () => {
  let bouncer: TestPgbouncer;
  beforeAll(async () => {
    bouncer = await startPgbouncer({ poolMode: 'transaction', poolSize: 2 });
  }, 320_000);
  afterAll(async () => {
    await bouncer?.stop();
  });

  test('when the pooler is the Debian package, then it is a PgBouncer older than 1.21', () => {
    const [major, minor] = (/PgBouncer (\d+)\.(\d+)/.exec(bouncer.version) ?? []).slice(1).map(Number);
    expect(major! * 100 + minor!).toBeLessThan(121);
  });

  test('when DB_POOLER=none, then PgBouncer refuses the start-up parameters and the query answers 503', async () => {
    const db = through(bouncer, { schema: 'public', pooler: 'none' });
    try {
      const err = await db.query(SELECT_ONE).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(503);
      expect(String(((err as AppError).cause as Error).message)).toMatch(/unsupported startup parameter/);
    } finally {
      await db.close();
    }
  });

  test('when named statements go through it (transaction-prepared on 1.18), then a second client meets a statement it never prepared', async () => {
    // One server connection: the second client's transaction lands where the first one prepared.
    const single = await startPgbouncer({ poolMode: 'transaction', poolSize: 1 });
    const a = through(single, { schema: 'public', pooler: 'transaction-prepared', poolMax: 1 });
    const b = through(single, { schema: 'public', pooler: 'transaction-prepared', poolMax: 1 });
    try {
      await a.query(SELECT_ONE);
      await expect(b.query(SELECT_ONE)).rejects.toMatchObject({ cause: { code: '42P05' } });
    } finally {
      await a.close();
      await b.close();
      await single.stop();
    }
  });

  describe('when DB_POOLER=transaction (SET LOCAL, unnamed statements)', () => {
    const schema = uniqueSchema();
    let db: Database;
    beforeAll(async () => {
      db = through(bouncer, { schema, pooler: 'transaction' });
      await migrate(db, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
    });
    afterAll(async () => {
      await db.close();
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });

    test('then every record operation works from two instances at once, the rows land in DATABASE_SCHEMA and no setting leaks to other clients', async () => {
      const other = through(bouncer, { schema, pooler: 'transaction' });
      const servers = [await startServerOn(db), await startServerOn(other)];
      try {
        const user = `pgb-${randomBytes(3).toString('hex')}`;
        // 20 creates over both instances at once: 8 pool connections share 2 server connections.
        const created = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            servers[i % 2]!.request('POST', '/data', { body: { user_id: user, payload: { i } } }),
          ),
        );
        expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
        const id = created[0]!.body.id as string;
        const [s1, s2] = servers as [(typeof servers)[0], (typeof servers)[0]];
        expect((await s2.request('GET', `/data/${id}`)).body.payload).toEqual({ i: 0 });
        const patched = await s1.request('PATCH', `/data/${id}`, {
          body: { payload: { i: 100 } },
          headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' },
        });
        expect(patched.status).toBe(200);
        const bulk = await s2.request('POST', '/data/bulk', {
          body: { items: [{ user_id: user, payload: { bulk: 1 } }] },
        });
        expect(bulk.status).toBe(201);
        const page = await s1.request('GET', `/data?user_id=${user}&limit=100`);
        expect(page.body.items).toHaveLength(21);
        expect((await s2.request('DELETE', `/data/${id}`)).status).toBe(204);
        expect((await s1.request('GET', '/ready')).status).toBe(200);

        const { rows } = await adminQuery(
          `SELECT count(*)::int AS n FROM ${schema}.records WHERE user_id = $1`,
          [user],
        );
        expect(rows[0].n).toBe(20);
        // SET LOCAL ended with each transaction: a plain client of the pooler sees the defaults.
        expect(await settingsSeenBy(bouncer.url)).toEqual({
          statement_timeout: '0',
          search_path: '"$user", public',
        });
      } finally {
        for (const s of servers) await s.close();
        await other.close();
      }
    });

    test('then DB_STATEMENT_TIMEOUT_MS still cancels a statement (504), through SET LOCAL', async () => {
      const short = through(bouncer, { schema, pooler: 'transaction', statementTimeoutMs: 300 });
      try {
        const started = Date.now();
        const slow: Statement = { name: 'dapiSlow', text: 'SELECT pg_sleep(3)', params: [] };
        await expect(short.query(slow)).rejects.toMatchObject({ status: 504 });
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await short.close();
      }
    });
  });

  describe('when DB_POOLER_SETTINGS=role', () => {
    const schema = uniqueSchema();
    const role = `dapi_role_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    let roleBouncer: TestPgbouncer;
    beforeAll(async () => {
      await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await adminQuery(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
      // The migration runner says CREATE SCHEMA IF NOT EXISTS, which needs CREATE on the database.
      await adminQuery(`GRANT CREATE ON DATABASE ${new URL(TEST_DATABASE_URL).pathname.slice(1)} TO ${role}`);
      roleBouncer = await startPgbouncer({ poolMode: 'transaction', user: { name: role, password } });
    });
    afterAll(async () => {
      await roleBouncer?.stop();
      // Its schema and its grant on the database, then the role.
      await adminQuery(`DROP OWNED BY ${role} CASCADE`);
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    });

    test('then a role without the settings stops the start, naming the ALTER ROLE that fixes each', async () => {
      const db = through(roleBouncer, { schema, pooler: 'transaction', poolerSettings: 'role' });
      try {
        const err = (await db.checkSession!().then(
          () => new Error('checkSession resolved'),
          (e: unknown) => e,
        )) as Error;
        expect(err.message).toContain(`ALTER ROLE ${role} SET statement_timeout = 5000`);
        expect(err.message).toContain(`ALTER ROLE ${role} SET search_path = ${schema}`);
        expect(err.message).toContain(`ALTER ROLE ${role} SET plan_cache_mode = force_generic_plan`);
      } finally {
        await db.close();
      }
    });

    test('then with the role set, the service sends no setting, migrates and serves from DATABASE_SCHEMA', async () => {
      for (const setting of [
        'statement_timeout = 5000',
        `search_path = ${schema}`,
        'plan_cache_mode = force_generic_plan',
      ]) {
        await adminQuery(`ALTER ROLE ${role} SET ${setting}`);
      }
      // A role's settings reach new server sessions only: a pooler restarted (or RECONNECT) after.
      await roleBouncer.stop();
      roleBouncer = await startPgbouncer({ poolMode: 'transaction', user: { name: role, password } });
      const db = through(roleBouncer, { schema, pooler: 'transaction', poolerSettings: 'role' });
      const s = await (async () => {
        await db.checkSession!();
        await migrate(db, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
        return startServerOn(db);
      })();
      try {
        const created = await s.request('POST', '/data', {
          body: { user_id: 'role-user', payload: { a: 1 } },
        });
        expect(created.status).toBe(201);
        expect((await s.request('GET', `/data/${created.body.id}`)).status).toBe(200);
        const { rows } = await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.records`);
        expect(rows[0].n).toBe(1);
        expect(await settingsSeenBy(roleBouncer.url)).toEqual({
          statement_timeout: '5s',
          search_path: schema,
        });
      } finally {
        await s.close();
        await db.close();
      }
    });
  });
});
