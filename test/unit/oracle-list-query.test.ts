/**
 * Which of the four list statements a page runs and what it binds, without a server: one
 * variant per combination of bounds, so that every condition a statement has is always on (an
 * index access predicate and a pruning bound), never `(:x IS NULL OR ...)`.
 */
import { AppError } from '../../src/domain/errors.js';
import { oracledb } from '../../src/data/oracle/oracle-database.js';
import { listCall, ORACLE_LIST_STATEMENTS } from '../../src/data/oracle/oracle-list-query.js';
import { uuidToRaw } from '../../src/data/oracle/oracle-records-binds.js';
import { OracleSqlCatalog } from '../../src/data/oracle/oracle-sql.js';

const ID = '0190f5e4-7a1b-7c2d-8e3f-123456789abc';
const LOWER_ID = '0190f5e4-7a1b-7c2d-8e3f-000000000001';
const AT = new Date('2025-03-04T05:06:07.891Z');
const LATER = new Date('2025-04-01T00:00:00.000Z');
const ZERO_ID = Buffer.alloc(16);
const base = { userId: 'u1', limit: 21, createdAfter: null, createdBefore: null, after: null };
const catalog = OracleSqlCatalog.load();

describe('listCall', () => {
  test('when there is no bound, then the plain variant runs with only user and page size', () => {
    const c = listCall(base);
    expect(c.name).toBe('listRecordsByUser');
    expect(c.binds).toEqual({
      user_id: { type: oracledb().DB_TYPE_VARCHAR, val: 'u1' },
      max_rows: { type: oracledb().DB_TYPE_NUMBER, val: 21 },
    });
  });

  test('when only created_after is given, then the After variant binds it as an instant', () => {
    const c = listCall({ ...base, createdAfter: AT });
    expect(c.name).toBe('listRecordsByUserAfter');
    expect(c.binds.after_at).toEqual({ type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: AT });
    expect(c.binds).not.toHaveProperty('before_at');
  });

  test('when only a cursor is given, then the Before variant binds its position', () => {
    const c = listCall({ ...base, after: { createdAt: AT, id: ID } });
    expect(c.name).toBe('listRecordsByUserBefore');
    expect(c.binds.before_at).toEqual({ type: oracledb().DB_TYPE_TIMESTAMP_TZ, val: AT });
    expect(c.binds.before_id).toEqual({ type: oracledb().DB_TYPE_RAW, val: uuidToRaw(ID) });
  });

  test('when only created_before is given, then it is the position (created_before, smallest id)', () => {
    const c = listCall({ ...base, createdBefore: LATER });
    expect(c.name).toBe('listRecordsByUserBefore');
    expect(c.binds.before_at?.val).toBe(LATER);
    expect(c.binds.before_id?.val).toEqual(ZERO_ID);
  });

  test('when both a cursor and created_before are given, then the earlier position bounds the page', () => {
    const cursorFirst = listCall({ ...base, createdBefore: LATER, after: { createdAt: AT, id: ID } });
    expect([cursorFirst.binds.before_at?.val, cursorFirst.binds.before_id?.val]).toEqual([AT, uuidToRaw(ID)]);
    const beforeFirst = listCall({ ...base, createdBefore: AT, after: { createdAt: LATER, id: ID } });
    expect([beforeFirst.binds.before_at?.val, beforeFirst.binds.before_id?.val]).toEqual([AT, ZERO_ID]);
    // Same instant: created_before (smallest id) is the tighter bound, as "< created_before" is.
    const tie = listCall({ ...base, createdBefore: AT, after: { createdAt: AT, id: LOWER_ID } });
    expect(tie.binds.before_id?.val).toEqual(ZERO_ID);
  });

  test('when every bound is given, then the Between variant binds both ends', () => {
    const c = listCall({
      ...base,
      createdAfter: AT,
      createdBefore: LATER,
      after: { createdAt: LATER, id: ID },
    });
    expect(c.name).toBe('listRecordsByUserBetween');
    expect(Object.keys(c.binds).sort()).toEqual([
      'after_at',
      'before_at',
      'before_id',
      'max_rows',
      'user_id',
    ]);
  });

  test('when any combination is bound, then the binds are exactly the ones its statement names', () => {
    const seen = new Set<string>();
    for (const createdAfter of [null, AT]) {
      for (const createdBefore of [null, LATER]) {
        for (const after of [null, { createdAt: AT, id: ID }]) {
          const c = listCall({ ...base, createdAfter, createdBefore, after });
          seen.add(c.name);
          expect([c.name, Object.keys(c.binds).sort()]).toEqual([
            c.name,
            [...catalog.get(c.name).binds].sort(),
          ]);
        }
      }
    }
    expect([...seen].sort()).toEqual([...ORACLE_LIST_STATEMENTS].sort());
  });

  test('when a statement variant is read, then no condition in it can be switched off by a NULL bind', () => {
    for (const name of ORACLE_LIST_STATEMENTS) {
      const { text } = catalog.get(name);
      expect([name, /IS NULL/i.test(text)]).toEqual([name, false]);
      expect([name, /NVL\s*\(/i.test(text)]).toEqual([name, false]);
      // Ordered and bounded on the partition key, never on created_at (which does not prune).
      expect(text).toMatch(/ORDER BY created_utc DESC, id DESC\s+FETCH FIRST :max_rows ROWS ONLY$/);
      expect([name, /WHERE[\s\S]*\bcreated_at\b/.test(text)]).toEqual([name, false]);
    }
  });

  test('when a page of n rows is fetched, then n rows are buffered and one more prefetched', () => {
    expect(listCall(base).options).toEqual({ fetchArraySize: 21, prefetchRows: 22 });
  });

  test('when the cursor does not name a UUID, then it is refused before any SQL', () => {
    expect(() => listCall({ ...base, after: { createdAt: AT, id: 'x' } })).toThrow(AppError);
  });
});
