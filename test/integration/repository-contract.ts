/**
 * The repository contract: one suite that every storage backend must pass (PGlite, PostgreSQL,
 * Oracle). A backend file calls describeRepositoryContract with a factory for a fresh, empty,
 * migrated repository.
 */
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../src/domain/errors.js';
import { jsonTextOf, type JsonObject, type JsonText } from '../../src/domain/json-value.js';
import type { NewRecord, RecordsRepository, StoredRecord } from '../../src/domain/records.js';

/** A payload as the services hand it to a repository. */
const json = (payload: JsonObject): JsonText => jsonTextOf(payload);

export interface RepositoryUnderTest {
  repo: RecordsRepository;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BackendTraits {
  /**
   * Whether every finite double is stored exactly. PostgreSQL's jsonb is; Oracle's JSON stores
   * numbers as NUMBER (1e-130 <= |x| < 1e126) and refuses the rest with 400 (docs/oracle.md).
   */
  fullDoubleRange: boolean;
  /**
   * Whether numbers with more digits than a double keeps come back with every digit.
   * PostgreSQL's jsonb does; the Oracle adapter refuses them with 400 (docs/oracle.md).
   */
  exactDigits: boolean;
}

export function describeRepositoryContract(
  name: string,
  open: () => Promise<RepositoryUnderTest>,
  traits: BackendTraits = { fullDoubleRange: true, exactDigits: true },
): void {
  describe(`records repository contract: ${name}`, () => {
    let t: RepositoryUnderTest;
    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t?.close();
    });

    test('when a record is inserted, then it reads back equal, version 1, timestamps in ms', async () => {
      const id = uuidv7();
      const inserted = await t.repo.insert({ id, userId: 'repo-a', payload: json({ a: 1 }) });
      expect(inserted).toMatchObject({ id, userId: 'repo-a', payload: '{"a":1}', version: 1 });
      expect(inserted.createdAt).toBeInstanceOf(Date);
      expect(inserted.createdAt.getTime()).toBe(inserted.updatedAt.getTime());
      expect(Math.abs(inserted.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect(await t.repo.findById(id)).toEqual(inserted);
    });

    test('when a payload holds edge values, then they come back exactly', async () => {
      const payload = {
        empty: '',
        nested: { '': '', list: ['', 0, -1.5, true, false, null] },
        ...(traits.fullDoubleRange ? { max: 1.7976931348623157e308, tiny: 5e-324 } : { big: 1e125 }),
        safe: 9007199254740991,
        pi: 3.141592653589793,
        unicode: 'ação 日本語 🚀 \u2028',
        quote: `it's "quoted" \\ back`,
      };
      const inserted = await t.repo.insert({ id: uuidv7(), userId: 'repo-edge', payload: json(payload) });
      expect(JSON.parse(inserted.payload)).toEqual(payload);
      expect(JSON.parse((await t.repo.findById(inserted.id))!.payload)).toEqual(payload);
    });

    test('when a payload holds numbers a double would round, then their digits come back or it is refused', async () => {
      // Members in jsonb's order (shorter names first), so the text can be compared as it is.
      const sent =
        '{"a":9007199254740993,"pi":3.14159265358979323846264338327950288,"id64":18446744073709551615}';
      const insert = t.repo.insert({ id: uuidv7(), userId: 'repo-digits', payload: sent as JsonText });
      if (!traits.exactDigits) {
        await expect(insert).rejects.toMatchObject({ status: 400 });
        return;
      }
      const inserted = await insert;
      expect(inserted.payload).toBe(sent);
      expect((await t.repo.findById(inserted.id))?.payload).toBe(sent);
      const replaced = '{"d":1.000000000000000000000000000000001,"n":-123456789012345678901234567890}';
      expect((await t.repo.updatePayload(inserted.id, replaced as JsonText, 1))?.payload).toBe(replaced);
      const [listed] = await t.repo.listByUser({
        userId: 'repo-digits',
        limit: 1,
        createdAfter: null,
        createdBefore: null,
        after: null,
      });
      expect(listed?.payload).toBe(replaced);
    });

    test('when ids are unknown or malformed, then reads and writes find nothing', async () => {
      for (const id of [uuidv7(), 'nope', '']) {
        expect(await t.repo.findById(id)).toBeNull();
        expect(await t.repo.findVersion(id)).toBeNull();
        expect(await t.repo.updatePayload(id, json({}), null)).toBeNull();
        expect(await t.repo.delete(id, null)).toBeNull();
      }
    });

    test('when many are inserted, then they come back in input order', async () => {
      const batch = Array.from({ length: 300 }, (_, i) => ({
        id: uuidv7(),
        userId: `repo-bulk-${i % 3}`,
        payload: json({ i }),
      }));
      const rows = await t.repo.insertMany(batch);
      expect(rows.map((r) => r.id)).toEqual(batch.map((b) => b.id));
      expect(rows.map((r) => r.payload)).toEqual(batch.map((b) => b.payload));
    });

    test('when one id of a batch exists already, then the batch fails with 409 and writes nothing', async () => {
      const existing = await t.repo.insert({ id: uuidv7(), userId: 'repo-dup', payload: json({}) });
      const batch: NewRecord[] = [
        { id: uuidv7(), userId: 'repo-dup', payload: json({ fresh: 1 }) },
        { id: existing.id, userId: 'repo-dup', payload: json({ dup: 1 }) },
      ];
      const err = await t.repo.insertMany(batch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(409);
      expect(await t.repo.findById(batch[0]!.id)).toBeNull();
    });

    test('when a user is listed, then newest first, limited, keyset-paged and filtered', async () => {
      const made: StoredRecord[] = [];
      for (let i = 0; i < 5; i++) {
        made.push(await t.repo.insert({ id: uuidv7(), userId: 'repo-list', payload: json({ i }) }));
        await sleep(3);
      }
      await t.repo.insert({ id: uuidv7(), userId: 'repo-other', payload: json({}) });
      const base = { userId: 'repo-list', createdAfter: null, createdBefore: null, after: null };
      const all = await t.repo.listByUser({ ...base, limit: 10 });
      expect(all.map((r) => r.id)).toEqual(made.map((r) => r.id).reverse());
      const page = await t.repo.listByUser({ ...base, limit: 2 });
      expect(page).toHaveLength(2);
      const last = page[1]!;
      const next = await t.repo.listByUser({
        ...base,
        limit: 10,
        after: { createdAt: last.createdAt, id: last.id },
      });
      expect(next.map((r) => r.id)).toEqual(
        made
          .slice(0, 3)
          .map((r) => r.id)
          .reverse(),
      );
      const windowed = await t.repo.listByUser({
        ...base,
        limit: 10,
        createdAfter: made[0]!.createdAt,
        createdBefore: made[4]!.createdAt,
      });
      expect(windowed.map((r) => r.id)).toEqual(
        made
          .slice(1, 4)
          .map((r) => r.id)
          .reverse(),
      );
      expect(await t.repo.listByUser({ ...base, userId: 'repo-nobody', limit: 10 })).toEqual([]);
    });

    test('when the expected version matches, then the update applies once; otherwise nothing changes', async () => {
      const r = await t.repo.insert({ id: uuidv7(), userId: 'repo-upd', payload: json({ v: 1 }) });
      expect(await t.repo.updatePayload(r.id, json({ v: 2 }), 5)).toBeNull();
      const updated = await t.repo.updatePayload(r.id, json({ v: 2 }), 1);
      expect(updated).toMatchObject({ version: 2, payload: '{"v":2}', userId: 'repo-upd' });
      expect(updated!.createdAt).toEqual(r.createdAt);
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(r.updatedAt.getTime());
      expect(await t.repo.updatePayload(r.id, json({ v: 3 }), 1)).toBeNull();
      expect((await t.repo.updatePayload(r.id, json({ v: 3 }), null))?.version).toBe(3);
      expect(await t.repo.findVersion(r.id)).toBe(3);
    });

    test('when the expected version matches, then delete removes; otherwise it keeps', async () => {
      const r = await t.repo.insert({ id: uuidv7(), userId: 'repo-del', payload: json({}) });
      expect(await t.repo.delete(r.id, 2)).toBeNull();
      expect(await t.repo.findById(r.id)).not.toBeNull();
      const deleted = await t.repo.delete(r.id, 1);
      expect(deleted).toEqual({ userId: 'repo-del', version: 1, deletedAt: expect.any(Date) });
      // The time of the delete never comes before the last version's updated_at.
      expect(deleted!.deletedAt.getTime()).toBeGreaterThanOrEqual(r.updatedAt.getTime());
      expect(await t.repo.findById(r.id)).toBeNull();
    });

    test('when 20 writers update one record at once, then updated_at never goes back as the version grows', async () => {
      const r = await t.repo.insert({ id: uuidv7(), userId: 'repo-clock', payload: json({}) });
      const updated = await Promise.all(
        Array.from({ length: 20 }, (_, i) => t.repo.updatePayload(r.id, json({ i }), null)),
      );
      const byVersion = updated.map((u) => u!).sort((x, y) => x.version - y.version);
      expect(byVersion.map((u) => u.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      let last = r.updatedAt.getTime();
      for (const u of byVersion) {
        expect({ version: u.version, backwards: u.updatedAt.getTime() < last }).toEqual({
          version: u.version,
          backwards: false,
        });
        last = u.updatedAt.getTime();
      }
    });

    test('when two writers race with the same expected version, then exactly one wins', async () => {
      const r = await t.repo.insert({ id: uuidv7(), userId: 'repo-race', payload: json({}) });
      const results = await Promise.all([
        t.repo.updatePayload(r.id, json({ w: 'a' }), 1),
        t.repo.updatePayload(r.id, json({ w: 'b' }), 1),
      ]);
      expect(results.filter((x) => x !== null)).toHaveLength(1);
      expect(await t.repo.findVersion(r.id)).toBe(2);
    });
  });
}
