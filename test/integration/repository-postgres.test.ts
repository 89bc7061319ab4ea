/** The repository contract on the embedded PGlite and on the PostgreSQL server. */
import { v7 as uuidv7 } from 'uuid';
import { PostgresRecordsRepository } from '../../src/data/records-repository.js';
import { AppError } from '../../src/domain/errors.js';
import { jsonTextOf } from '../../src/domain/json-value.js';
import type { NewRecord } from '../../src/domain/records.js';
import { SqlCatalog } from '../../src/data/sql-catalog.js';
import { POSTGRES_QUERIES_DIR } from '../../src/config/paths.js';
import { BACKENDS, openTestDatabase } from '../helpers/databases.js';
import { describeRepositoryContract } from './repository-contract.js';

for (const kind of BACKENDS) {
  describeRepositoryContract(kind, async () => {
    const t = await openTestDatabase(kind);
    return {
      repo: new PostgresRecordsRepository(t.db, SqlCatalog.load(POSTGRES_QUERIES_DIR)),
      close: t.drop,
    };
  });
}

/** Bulk inserts, with and without the rows read back: all or nothing either way. */
describe.each(BACKENDS)('bulk inserts on %s', (kind) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let repo: PostgresRecordsRepository;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    repo = new PostgresRecordsRepository(t.db, SqlCatalog.load(POSTGRES_QUERIES_DIR));
  });
  afterAll(async () => {
    await t?.drop();
  });

  const batch = (user: string, n: number): NewRecord[] =>
    Array.from({ length: n }, (_, i) => ({
      id: uuidv7(),
      userId: user,
      payload: jsonTextOf({ i, text: 'tab\there, new\nline, back\\slash', n: JSON.rawJSON('1.50') }),
    }));
  const stored = (i: number) => `{"i":${i},"n":1.50,"text":"tab\\there, new\\nline, back\\\\slash"}`;

  test('when records are inserted in bulk, then they come back in input order with the store`s text, all at one instant', async () => {
    const sent = batch('bulk-a', 200);
    const rows = await repo.insertMany(sent);
    expect(rows.map((r) => r.id)).toEqual(sent.map((r) => r.id));
    expect(rows[7]?.payload).toBe(stored(7));
    expect(new Set(rows.map((r) => r.createdAt.toISOString())).size).toBe(1);
    expect(rows.every((r) => r.version === 1 && r.updatedAt.getTime() === r.createdAt.getTime())).toBe(true);
  });

  test('when records are inserted bare, then the instant they were created at comes back and the rows are as insertMany writes them', async () => {
    const sent = batch('bulk-b', 50);
    const at = await repo.insertManyBare(sent);
    for (const i of [0, 49]) {
      const row = await repo.findById(sent[i]!.id);
      expect(row).toMatchObject({ userId: 'bulk-b', version: 1, createdAt: at, updatedAt: at });
      expect(row?.payload).toBe(stored(i));
    }
  });

  test('when a row in the middle of a batch fails in the database, then the batch fails with 409 and writes nothing', async () => {
    const existing = await repo.insert({ id: uuidv7(), userId: 'bulk-dup', payload: jsonTextOf({}) });
    for (const insert of [
      (b: NewRecord[]) => repo.insertMany(b),
      (b: NewRecord[]) => repo.insertManyBare(b),
    ]) {
      const sent = batch('bulk-dup', 300);
      sent[150] = { ...sent[150]!, id: existing.id };
      const err = await insert(sent).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(409);
      for (const r of [sent[0]!, sent[149]!, sent[151]!, sent[299]!])
        expect(await repo.findById(r.id)).toBeNull();
    }
    const listed = await repo.listByUser({
      userId: 'bulk-dup',
      limit: 10,
      createdAfter: null,
      createdBefore: null,
      after: null,
    });
    expect(listed.map((r) => r.id)).toEqual([existing.id]);
  });
});
