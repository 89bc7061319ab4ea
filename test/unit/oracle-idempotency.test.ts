/**
 * The Oracle idempotency store without a server: the bind objects of each statement, the
 * mapping of a fetched row, and the store's control flow over a scripted fake database. The
 * driver's own tables (fetch conversions, OSON encoder) are used where a claim about node-oracledb
 * is made. What needs Oracle itself (the PL/SQL claim, row locks, BLOB writes) is in
 * test/integration/idempotency-oracle.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Idempotency } from '../../src/services/idempotency.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Reply } from '../../src/services/reply.js';
import { AppError } from '../../src/domain/errors.js';
import type { Claim } from '../../src/domain/idempotency.js';
import { IDEMPOTENCY_STATEMENTS } from '../../src/data/idempotency-store.js';
import {
  oracledb,
  type OracleBinds,
  type OracleDatabase,
  type OracleExecuteOptions,
} from '../../src/data/oracle/oracle-database.js';
import {
  claimBinds,
  completeBinds,
  findOptions,
  keyBinds,
  releaseBinds,
  rowToKeyRow,
  wasClaimed,
  type OracleKeyRow,
} from '../../src/data/oracle/oracle-idempotency-binds.js';
import { OracleIdempotencyStore } from '../../src/data/oracle/oracle-idempotency-store.js';
import { oracleStorage } from '../../src/data/oracle/oracle-storage.js';
import { OracleSqlCatalog, type OracleStatement } from '../../src/data/oracle/oracle-sql.js';

const require = createRequire(import.meta.url);
const types = require('oracledb/lib/types.js') as {
  DB_TYPE_CONVERSION_MAP: Map<object, Map<object, object>>;
};
const { OsonEncoder, OsonDecoder } = require('oracledb/lib/impl/datahandlers/oson.js') as {
  OsonEncoder: new () => { encode(value: unknown, maxFieldNameSize: number): Buffer };
  OsonDecoder: new (buf: Buffer) => { decode(): unknown };
};
const { transformJsonValue } = require('oracledb/lib/transformer.js') as {
  transformJsonValue(v: unknown): unknown;
};

const FP = 'a'.repeat(64);
const OTHER_FP = 'b'.repeat(64);
const TOKEN = '0b9e2a6c-3f1d-4c7e-9a51-2d8f6b4c1e00';
/** A claim of key k by subject s with the fingerprint FP. */
const claimOf = (subject = 's', key = 'k', fingerprint = FP): Claim => ({
  subject,
  key,
  fingerprint,
  token: TOKEN,
});
const catalog = OracleSqlCatalog.load();

describe('binds', () => {
  const ora = () => oracledb();

  test('when a key is claimed, then subject, key, fingerprint, token, TTL and lease go IN and :claimed comes OUT as a number', () => {
    expect(claimBinds(claimOf('jwt:u1', 'k-1'), 86400, 30)).toEqual({
      subject: { type: ora().DB_TYPE_VARCHAR, val: 'jwt:u1' },
      idem_key: { type: ora().DB_TYPE_VARCHAR, val: 'k-1' },
      fingerprint: { type: ora().DB_TYPE_VARCHAR, val: FP },
      token: { type: ora().DB_TYPE_VARCHAR, val: TOKEN },
      ttl_seconds: { type: ora().DB_TYPE_NUMBER, val: 86400 },
      lease_seconds: { type: ora().DB_TYPE_NUMBER, val: 30 },
      claimed: { dir: ora().BIND_OUT, type: ora().DB_TYPE_NUMBER },
    });
    expect(Object.keys(claimBinds(claimOf(), 60, 30)).sort()).toEqual(
      [...catalog.get('claimIdempotencyKey').binds].sort(),
    );
  });

  test('when the TTL or the lease is not a positive whole number of seconds, then nothing is sent', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => claimBinds(claimOf(), bad, 30)).toThrow('TTL');
      expect(() => claimBinds(claimOf(), 60, bad)).toThrow('lease');
    }
  });

  test('when the claim block answers, then only :claimed = 1 is a win, and no answer is an error', () => {
    expect(wasClaimed({ claimed: 1 })).toBe(true);
    expect(wasClaimed({ claimed: 0 })).toBe(false);
    expect(() => wasClaimed({})).toThrow(':claimed');
    expect(() => wasClaimed(undefined)).toThrow(':claimed');
    // A DML RETURNING bind comes as an array; a PL/SQL OUT bind does not, and must not be read as one.
    expect(() => wasClaimed({ claimed: [1] })).toThrow(':claimed');
  });

  test('when a key is read, then the primary key is bound and the BLOB body is fetched as bytes in one row', () => {
    expect(keyBinds('jwt:u1', 'k-1')).toEqual({
      subject: { type: ora().DB_TYPE_VARCHAR, val: 'jwt:u1' },
      idem_key: { type: ora().DB_TYPE_VARCHAR, val: 'k-1' },
    });
    expect(Object.keys(keyBinds('s', 'k')).sort()).toEqual(
      [...catalog.get('findIdempotencyKey').binds].sort(),
    );
    expect(findOptions()).toEqual({ fetchArraySize: 1, fetchInfo: { BODY: { type: ora().DB_TYPE_RAW } } });
    // The driver's own conversion table: a BLOB column may be fetched as RAW (bytes).
    expect(types.DB_TYPE_CONVERSION_MAP.get(ora().DB_TYPE_BLOB)?.has(ora().DB_TYPE_RAW)).toBe(true);
  });

  test('when a response is stored, then headers go as JSON and the body as the Buffer itself (no temporary LOB)', () => {
    const big = Buffer.alloc(100_000, 0x7b);
    const headers = { Location: '/data/x', ETag: '"1"' };
    const b = completeBinds(claimOf('jwt:u1', 'k-1'), { status: 201, headers, body: big });
    expect(b).toEqual({
      subject: { type: ora().DB_TYPE_VARCHAR, val: 'jwt:u1' },
      idem_key: { type: ora().DB_TYPE_VARCHAR, val: 'k-1' },
      token: { type: ora().DB_TYPE_VARCHAR, val: TOKEN },
      status: { type: ora().DB_TYPE_NUMBER, val: 201 },
      headers: { type: ora().DB_TYPE_JSON, val: headers },
      body: { type: ora().DB_TYPE_RAW, val: big },
    });
    // A SQL statement (not PL/SQL): node-oracledb sends a Buffer inline into the BLOB column,
    // up to 1 GB; only PL/SQL binds over 32 KB go through a temporary LOB (docs/oracle.md).
    expect(catalog.get('completeIdempotencyKey').text).toMatch(/^UPDATE idempotency_keys\b/);
    expect(b.body?.val).toBe(big);
    expect(b.headers?.val).not.toBe(headers);
    expect(Object.keys(b).sort()).toEqual([...catalog.get('completeIdempotencyKey').binds].sort());
  });

  test('when headers go through the JSON type encoding, then they come back identical', () => {
    const headers = {
      Location: '/data/0190f5e4-7a1b-7c2d-8e3f-123456789abc',
      ETag: '"1"',
      Empty: '',
      'X-Ção': '日本',
    };
    expect(new OsonDecoder(new OsonEncoder().encode(transformJsonValue(headers), 65535)).decode()).toEqual(
      headers,
    );
  });

  test('when a key is released, then the token of the claim is bound with the primary key', () => {
    expect(releaseBinds(claimOf())).toEqual({
      ...keyBinds('s', 'k'),
      token: { type: ora().DB_TYPE_VARCHAR, val: TOKEN },
    });
    expect(Object.keys(releaseBinds(claimOf())).sort()).toEqual(
      [...catalog.get('releaseIdempotencyKey').binds].sort(),
    );
    expect(catalog.get('purgeIdempotencyKeys').binds).toEqual([]);
  });
});

describe('rows', () => {
  const done: OracleKeyRow = {
    FINGERPRINT: FP,
    STATE: 'done',
    STATUS: 201,
    HEADERS: { ETag: '"1"' },
    BODY: Buffer.from('{"id":1}'),
    LEASE_LEFT: 0,
  };

  test('when a fetched row is mapped, then it is the store-neutral key row', () => {
    expect(rowToKeyRow(done)).toEqual({
      fingerprint: FP,
      state: 'done',
      status: 201,
      headers: { ETag: '"1"' },
      body: Buffer.from('{"id":1}'),
      lease_left: 0,
    });
    expect(
      rowToKeyRow({
        FINGERPRINT: FP,
        STATE: 'in-flight',
        STATUS: null,
        HEADERS: null,
        BODY: null,
        LEASE_LEFT: 7,
      }),
    ).toEqual({
      fingerprint: FP,
      state: 'in-flight',
      status: null,
      headers: null,
      body: null,
      lease_left: 7,
    });
  });

  test('when a row has another shape, then mapping fails loudly rather than guess', () => {
    expect(() => rowToKeyRow({ ...done, STATE: 'gone' })).toThrow('state');
    expect(() => rowToKeyRow({ ...done, HEADERS: '{"ETag":"1"}' })).toThrow('headers');
    expect(() => rowToKeyRow({ ...done, HEADERS: { n: 1 } })).toThrow('headers');
    expect(() => rowToKeyRow({ ...done, HEADERS: ['a'] })).toThrow('headers');
    expect(() => rowToKeyRow({ ...done, BODY: { lob: true } as unknown as Buffer })).toThrow('bytes');
  });
});

interface Call {
  stmt: OracleStatement;
  binds: OracleBinds;
  options: OracleExecuteOptions | undefined;
}

/** A fake OracleDatabase answering each statement from a script of answers (or errors). */
function scriptedDb(answers: Partial<Record<string, unknown[]>>) {
  const calls: Call[] = [];
  let sessions = 0;
  const execute = async (stmt: OracleStatement, binds: OracleBinds = {}, options?: OracleExecuteOptions) => {
    calls.push({ stmt, binds, options });
    const next = answers[stmt.name]?.shift();
    if (next instanceof Error) throw next;
    return next ?? {};
  };
  const db = {
    execute,
    async withConnection<T>(
      fn: (conn: unknown, exec: { execute: typeof execute }) => Promise<T>,
    ): Promise<T> {
      sessions++;
      return fn({}, { execute });
    },
  } as unknown as OracleDatabase;
  return { db, calls, sessions: () => sessions, names: () => calls.map((c) => c.stmt.name) };
}

const taken = (claimed = 0) => ({ outBinds: { claimed } });
const row = (r: Partial<OracleKeyRow>) => ({
  rows: [
    { FINGERPRINT: FP, STATE: 'in-flight', STATUS: null, HEADERS: null, BODY: null, LEASE_LEFT: 12, ...r },
  ],
});

describe('OracleIdempotencyStore', () => {
  test('when a key is new, then one call on one session claims it', async () => {
    const f = scriptedDb({ claimIdempotencyKey: [taken(1)] });
    const store = new OracleIdempotencyStore(f.db, catalog);
    expect(await store.claim(claimOf(), 60, 30)).toEqual({ state: 'claimed' });
    expect(f.names()).toEqual(['claimIdempotencyKey']);
    expect(f.calls[0]?.options).toEqual({ autoCommit: true });
    expect(f.sessions()).toBe(1);
  });

  test('when a key is held by a request still running, then it is in flight with that fingerprint and the lease left', async () => {
    const f = scriptedDb({
      claimIdempotencyKey: [taken()],
      findIdempotencyKey: [row({ FINGERPRINT: OTHER_FP })],
    });
    const store = new OracleIdempotencyStore(f.db, catalog);
    expect(await store.claim(claimOf(), 60, 30)).toEqual({
      state: 'in-flight',
      fingerprint: OTHER_FP,
      leaseSecondsLeft: 12,
    });
    expect(f.names()).toEqual(['claimIdempotencyKey', 'findIdempotencyKey']);
    expect(f.calls[1]?.options).toEqual(findOptions());
    expect(f.sessions()).toBe(1);
  });

  test('when a key is done, then its stored response comes back byte for byte', async () => {
    const body = Buffer.from('{"id":"x"}');
    const f = scriptedDb({
      claimIdempotencyKey: [taken()],
      findIdempotencyKey: [row({ STATE: 'done', STATUS: 201, HEADERS: { ETag: '"1"' }, BODY: body })],
    });
    expect(await new OracleIdempotencyStore(f.db, catalog).claim(claimOf(), 60, 30)).toEqual({
      state: 'done',
      fingerprint: FP,
      response: { status: 201, headers: { ETag: '"1"' }, body },
    });
  });

  test('when a done row has no body or headers (an empty BLOB is NULL), then they come back empty', async () => {
    const f = scriptedDb({
      claimIdempotencyKey: [taken()],
      findIdempotencyKey: [row({ STATE: 'done', STATUS: 204 })],
    });
    expect(await new OracleIdempotencyStore(f.db, catalog).claim(claimOf(), 60, 30)).toEqual({
      state: 'done',
      fingerprint: FP,
      response: { status: 204, headers: {}, body: Buffer.alloc(0) },
    });
  });

  test('when the row vanished between claim and read (released, purged), then the second round claims it', async () => {
    const f = scriptedDb({ claimIdempotencyKey: [taken(), taken(1)], findIdempotencyKey: [{ rows: [] }] });
    expect(await new OracleIdempotencyStore(f.db, catalog).claim(claimOf(), 60, 30)).toEqual({
      state: 'claimed',
    });
    expect(f.names()).toEqual(['claimIdempotencyKey', 'findIdempotencyKey', 'claimIdempotencyKey']);
    expect(f.sessions()).toBe(1);
  });

  test('when two rounds find no live row and win no claim, then it answers in flight as on PostgreSQL', async () => {
    const f = scriptedDb({
      claimIdempotencyKey: [taken(), taken()],
      findIdempotencyKey: [{ rows: [] }, { rows: [] }],
    });
    expect(await new OracleIdempotencyStore(f.db, catalog).claim(claimOf(), 60, 30)).toEqual({
      state: 'in-flight',
      fingerprint: FP,
      leaseSecondsLeft: 1,
    });
    expect(f.calls).toHaveLength(4);
  });

  test('when the database fails, then the mapped error reaches the caller unchanged', async () => {
    const unavailable = new AppError('databaseUnavailable', { detail: 'down' });
    const f = scriptedDb({ claimIdempotencyKey: [unavailable] });
    await expect(new OracleIdempotencyStore(f.db, catalog).claim(claimOf(), 60, 30)).rejects.toBe(
      unavailable,
    );
  });

  test('when complete, release and purge run, then each is one committed statement with its binds', async () => {
    const f = scriptedDb({});
    const store = new OracleIdempotencyStore(f.db, catalog);
    const response = { status: 201, headers: { Location: '/data/x' }, body: Buffer.from('{}') };
    await store.complete(claimOf(), response);
    await store.release(claimOf());
    await store.purgeExpired();
    expect(f.calls.map((c) => [c.stmt.name, c.options])).toEqual([
      ['completeIdempotencyKey', { autoCommit: true }],
      ['releaseIdempotencyKey', { autoCommit: true }],
      ['purgeIdempotencyKeys', { autoCommit: true }],
    ]);
    expect(f.calls[0]?.binds).toEqual(completeBinds(claimOf(), response));
    expect(f.calls[1]?.binds).toEqual(releaseBinds(claimOf()));
    expect(f.calls[2]?.binds).toEqual({});
  });

  test('when the store is built, then it takes all its statements from the catalog at once', () => {
    const asked: string[] = [];
    const spy = { get: (n: string) => (asked.push(n), catalog.get(n)) } as unknown as OracleSqlCatalog;
    new OracleIdempotencyStore(scriptedDb({}).db, spy);
    expect(asked).toEqual([...IDEMPOTENCY_STATEMENTS]);
  });
});

/**
 * An in-memory model of idempotency_keys with the claim block's effect: calls on the table are
 * serialised as Oracle's primary key and row locks serialise them. It checks the code around
 * the SQL (the store and src/api/idempotency.ts), not Oracle: that is the live suite's job.
 */
function modelDb(now: () => number = Date.now) {
  interface Stored {
    fingerprint: string;
    state: 'in-flight' | 'done';
    status: number | null;
    headers: Record<string, string> | null;
    body: Buffer | null;
    expiresAt: number;
    token: string;
    leaseUntil: number;
  }
  const table = new Map<string, Stored>();
  let chain = Promise.resolve();
  const val = <T>(b: OracleBinds, n: string) => b[n]?.val as T;
  const at = (b: OracleBinds) => `${val<string>(b, 'subject')}\u0000${val<string>(b, 'idem_key')}`;
  const run = (stmt: OracleStatement, b: OracleBinds): unknown => {
    const k = at(b);
    const live = table.get(k);
    switch (stmt.name) {
      case 'claimIdempotencyKey': {
        const takeOver =
          live?.state === 'in-flight' &&
          live.fingerprint === val(b, 'fingerprint') &&
          live.leaseUntil <= now();
        if (live && live.expiresAt > now() && !takeOver) return { outBinds: { claimed: 0 } };
        table.set(k, {
          fingerprint: val(b, 'fingerprint'),
          state: 'in-flight',
          status: null,
          headers: null,
          body: null,
          expiresAt: now() + val<number>(b, 'ttl_seconds') * 1000,
          token: val(b, 'token'),
          leaseUntil: now() + val<number>(b, 'lease_seconds') * 1000,
        });
        return { outBinds: { claimed: 1 } };
      }
      case 'findIdempotencyKey':
        if (!live || live.expiresAt <= now()) return { rows: [] };
        return {
          rows: [
            {
              FINGERPRINT: live.fingerprint,
              STATE: live.state,
              STATUS: live.status,
              HEADERS: live.headers,
              BODY: live.body,
              LEASE_LEFT: Math.max(0, Math.ceil((live.leaseUntil - now()) / 1000)),
            },
          ],
        };
      case 'completeIdempotencyKey':
        if (live && live.token === val(b, 'token') && live.state === 'in-flight') {
          Object.assign(live, {
            state: 'done',
            status: val(b, 'status'),
            headers: val(b, 'headers'),
            body: val<Buffer>(b, 'body').length > 0 ? val(b, 'body') : null,
          });
        }
        return { rowsAffected: 1 };
      case 'releaseIdempotencyKey':
        if (live && live.token === val(b, 'token') && live.state === 'in-flight') table.delete(k);
        return { rowsAffected: 1 };
      default:
        for (const [key, r] of table) if (r.expiresAt <= now()) table.delete(key);
        return { rowsAffected: 0 };
    }
  };
  const execute = (stmt: OracleStatement, b: OracleBinds = {}) => {
    const result = chain.then(async () => {
      await new Promise((r) => setImmediate(r));
      return run(stmt, b);
    });
    chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  const db = {
    execute,
    withConnection: <T>(fn: (conn: unknown, exec: { execute: typeof execute }) => Promise<T>) =>
      fn({}, { execute }),
  } as unknown as OracleDatabase;
  return { db, table };
}

const OPTIONS = { ttlSeconds: 60, leaseSeconds: 30, writeWindowMs: 20_000 };

describe('the store under src/services/idempotency.ts (a model of the table, not Oracle)', () => {
  test('when 50 identical requests with one key arrive at once, then the handler runs once and the rest replay or hear 409', async () => {
    const { db } = modelDb();
    const idem = new Idempotency(new OracleIdempotencyStore(db, catalog), OPTIONS);
    let runs = 0;
    const handle = async (): Promise<Reply> => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return { status: 201, headers: { ETag: '"1"' }, body: { id: 'one' } };
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        idem.run('jwt:u1', 'storm', { operation: 'createRecord', body: { a: 1 } }, handle).then(
          (r) => r.status,
          (e: AppError) => e.status,
        ),
      ),
    );
    expect(runs).toBe(1);
    expect(results.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(results.every((s) => s === 201 || s === 409)).toBe(true);
    const replay = await idem.run('jwt:u1', 'storm', { operation: 'createRecord', body: { a: 1 } }, handle);
    expect(replay.headers).toEqual({ ETag: '"1"', 'Idempotent-Replayed': 'true' });
    expect(Buffer.from(replay.body as Buffer).toString()).toBe('{"id":"one"}');
    await expect(
      idem.run('jwt:u1', 'storm', { operation: 'createRecord', body: { a: 2 } }, handle),
    ).rejects.toMatchObject({ status: 422 });
    expect(runs).toBe(1);
  });

  test('when the first request fails, then the key is released and a retry runs', async () => {
    const { db, table } = modelDb();
    const idem = new Idempotency(new OracleIdempotencyStore(db, catalog), OPTIONS);
    const req = { operation: 'createRecord', body: {} };
    await expect(
      idem.run('s', 'k', req, () => Promise.reject(new AppError('contentTooLarge', { detail: 'big' }))),
    ).rejects.toMatchObject({ status: 413 });
    expect(table.size).toBe(0);
    const ok = await idem.run('s', 'k', req, async () => ({ status: 201, body: {} }));
    expect(ok.status).toBe(201);
  });

  test('when a holder never finishes, then after its lease a retry of the same request takes the key over and the holder can no longer complete it', async () => {
    let clock = 1_000_000;
    const { db, table } = modelDb(() => clock);
    const store = new OracleIdempotencyStore(db, catalog);
    const idem = new Idempotency(store, OPTIONS);
    const req = { operation: 'createRecord', body: { n: 1 } };
    // The holder: claimed, then stuck (its process "died": the handler never settles).
    let stuck!: (r: Reply) => void;
    const holder = idem.run('s', 'k', req, () => new Promise<Reply>((resolve) => (stuck = resolve)));
    await new Promise((r) => setTimeout(r, 20));
    expect(table.get('s\u0000k')?.state).toBe('in-flight');
    // Another instance (another Idempotency over the same table) during the lease: 409, with
    // Retry-After the lease left; a different request: 422.
    const other = new Idempotency(store, OPTIONS);
    clock += 10_000;
    await expect(other.run('s', 'k', req, async () => ({ status: 201, body: {} }))).rejects.toMatchObject({
      status: 409,
      retryAfterSeconds: 20,
    });
    clock += 20_000;
    await expect(
      other.run('s', 'k', { operation: 'createRecord', body: { n: 2 } }, async () => ({
        status: 201,
        body: {},
      })),
    ).rejects.toMatchObject({ status: 422 });
    let runs = 0;
    const retry = await other.run(
      's',
      'k',
      req,
      async () => (runs++, { status: 201, body: { second: true } }),
    );
    expect([retry.status, runs, retry.headers?.['Idempotent-Replayed']]).toEqual([201, 1, undefined]);
    // The old holder finishing late stores nothing over the answer the retry stored.
    stuck({ status: 201, body: { first: true } });
    await holder;
    const replay = await other.run('s', 'k', req, async () => ({ status: 500, body: {} }));
    expect(Buffer.from(replay.body as Buffer).toString()).toBe('{"second":true}');
  });

  test('when a holder reaches its write after the write window, then it writes nothing and frees the key', async () => {
    let clock = 1_000_000;
    const { db, table } = modelDb(() => clock);
    const realNow = Date.now;
    const idem = new Idempotency(new OracleIdempotencyStore(db, catalog), OPTIONS);
    let wrote = false;
    try {
      let t = realNow();
      Date.now = () => t;
      const late = idem.run('s', 'slow', { operation: 'createRecord', body: {} }, async (lease) => {
        t += OPTIONS.writeWindowMs + 1;
        clock += OPTIONS.writeWindowMs + 1;
        lease.beforeWrite();
        wrote = true;
        return { status: 201, body: {} };
      });
      await expect(late).rejects.toMatchObject({ status: 503 });
    } finally {
      Date.now = realNow;
    }
    expect(wrote).toBe(false);
    expect(table.size).toBe(0);
  });

  test('when a key has expired, then another request may use it', async () => {
    let clock = 1_000_000;
    const { db } = modelDb(() => clock);
    const idem = new Idempotency(new OracleIdempotencyStore(db, catalog), OPTIONS);
    await idem.run('s', 'k', { operation: 'createRecord', body: { n: 1 } }, async () => ({
      status: 201,
      body: {},
    }));
    clock += 61_000;
    const again = await idem.run('s', 'k', { operation: 'createRecord', body: { n: 2 } }, async () => ({
      status: 201,
      body: { second: true },
    }));
    expect(again.headers?.['Idempotent-Replayed']).toBeUndefined();
  });
});

describe('createApp on Oracle', () => {
  test('when a create with an Idempotency-Key is retried, then the Oracle store replays it and the record is inserted once', async () => {
    const model = modelDb();
    const at = new Date('2025-03-04T05:06:07.891Z');
    const statements: string[] = [];
    const modelled = model.db as unknown as {
      execute: (s: OracleStatement, b?: OracleBinds, o?: OracleExecuteOptions) => Promise<unknown>;
    };
    const execute = async (
      stmt: OracleStatement,
      binds: OracleBinds = {},
      options?: OracleExecuteOptions,
    ) => {
      statements.push(stmt.name);
      if (stmt.name === 'insertRecord') {
        return { outBinds: { out_created_at: [at], out_updated_at: [at], out_version: [1] } };
      }
      return modelled.execute(stmt, binds, options);
    };
    const db = {
      kind: 'oracle',
      execute,
      withConnection: <T>(fn: (conn: unknown, exec: { execute: typeof execute }) => Promise<T>) =>
        fn({}, { execute }),
      ping: async () => undefined,
      poolStats: () => ({ active: 0, idle: 0, waiting: 0, max: 1 }),
      close: async () => undefined,
    } as unknown as OracleDatabase;
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      AUTH_MODE: 'none',
    });
    const app = await createApp({ config, storage: oracleStorage(db), logger: createLogger('silent') });
    const server = createServer(app.koa.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data`;
      const post = (payload: unknown) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'app-1' },
          body: JSON.stringify({ user_id: 'u1', payload }),
        });
      const first = await post({ n: 1 });
      expect(first.status).toBe(201);
      const firstText = await first.text();
      const again = await post({ n: 1 });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      expect(await again.text()).toBe(firstText);
      const other = await post({ n: 2 });
      expect(other.status).toBe(422);
      expect(statements.filter((n) => n === 'insertRecord')).toHaveLength(1);
      expect(statements).toContain('completeIdempotencyKey');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
