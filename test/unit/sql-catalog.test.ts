import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindParams, compileStatement, parseSqlFile, SqlCatalog } from '../../src/data/sql-catalog.js';
import { fillSlots, slotNames } from '../../src/data/sql-loader.js';
import { IDEMPOTENCY_STATEMENTS } from '../../src/data/idempotency-store.js';
import { MIGRATION_STATEMENTS } from '../../src/data/migrations.js';
import { PARTITION_STATEMENTS } from '../../src/data/partitions.js';
import { POSTGRES_RECORD_STATEMENTS } from '../../src/data/records-repository.js';
import { POSTGRES_QUERIES_DIR } from '../../src/config/paths.js';

describe('SQL catalog', () => {
  test('when named parameters repeat, then each becomes one positional parameter; casts stay', () => {
    const stmt = compileStatement(
      'q',
      `SELECT :a::jsonb, :b -- a note about :c
       WHERE x = :a AND y::text = 'lit'`,
    );
    expect(stmt.text).toBe(`SELECT $1::jsonb, $2\n       WHERE x = $1 AND y::text = 'lit'`);
    expect(stmt.params).toEqual(['a', 'b']);
  });

  test('when values are bound, then they follow parameter order; a missing one throws', () => {
    const stmt = compileStatement('q', 'SELECT :b, :a, :b');
    expect(bindParams(stmt, { a: 1, b: null })).toEqual([null, 1]);
    expect(() => bindParams(stmt, { a: 1 })).toThrow('no value for :b');
  });

  test('when a file holds several named blocks, then each is a statement', () => {
    const stmts = parseSqlFile('/* @name one */ SELECT 1;\n/* @name two */\nSELECT :x;', 'f.sql');
    expect(stmts.map((s) => [s.name, s.text])).toEqual([
      ['one', 'SELECT 1'],
      ['two', 'SELECT $1'],
    ]);
    expect(() => parseSqlFile('SELECT 1', 'f.sql')).toThrow('no /* @name');
    expect(() => parseSqlFile('/* @name e */ -- only a comment\n', 'f.sql')).toThrow('is empty');
  });

  test('when a name is defined twice or asked for but missing, then it fails fast', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    writeFileSync(join(dir, 'a.sql'), '/* @name same */ SELECT 1;');
    writeFileSync(join(dir, 'b.sql'), '/* @name same */ SELECT 2;');
    expect(() => SqlCatalog.load(dir)).toThrow('defined twice');
    const ok = mkdtempSync(join(tmpdir(), 'catalog-'));
    writeFileSync(join(ok, 'a.sql'), '/* @name only */ SELECT 1;');
    expect(() => SqlCatalog.load(ok).get('other')).toThrow('not in the catalog');
  });

  test('when the project catalog loads, then every statement is used by the repository and vice versa', () => {
    const catalog = SqlCatalog.load(POSTGRES_QUERIES_DIR);
    expect(catalog.names().sort()).toEqual(
      [
        ...POSTGRES_RECORD_STATEMENTS,
        ...IDEMPOTENCY_STATEMENTS,
        ...PARTITION_STATEMENTS,
        ...MIGRATION_STATEMENTS,
      ].sort(),
    );
  });

  test('when a DDL statement has {{slots}}, then exactly those are filled, and only with plain tokens', () => {
    const stmt = compileStatement(
      'ddl',
      "CREATE TABLE {{name}} (LIKE t); ALTER TABLE t ATTACH PARTITION {{name}} FOR VALUES FROM ('{{from}}')",
    );
    expect(slotNames(stmt.text)).toEqual(['name', 'from']);
    expect(fillSlots(stmt, { name: 'p1', from: '2025-03-01T00:00:00.000Z' })).toBe(
      "CREATE TABLE p1 (LIKE t); ALTER TABLE t ATTACH PARTITION p1 FOR VALUES FROM ('2025-03-01T00:00:00.000Z')",
    );
    expect(() => fillSlots(stmt, { name: 'p1' })).toThrow('has the slots [name, from]');
    expect(() => fillSlots(stmt, { name: 'p1', from: 'x', to: 'y' })).toThrow('has the slots');
    for (const bad of ["x'); DROP TABLE t; --", 'a b', 'a;b', 'a--b', '']) {
      expect(() => fillSlots(stmt, { name: bad, from: 'x' })).toThrow('unsafe value');
    }
  });

  test('when the project statements have slots, then none of them also takes bind parameters', () => {
    // A statement with slots is sent as a script (exec): it cannot carry bind values.
    const catalog = SqlCatalog.load(POSTGRES_QUERIES_DIR);
    const withSlots = catalog.names().filter((n) => slotNames(catalog.get(n).text).length > 0);
    expect(withSlots.sort()).toEqual([
      'createMigrationsTable',
      'createRecordPartition',
      'dropRecordPartition',
    ]);
    for (const n of withSlots) expect([n, catalog.get(n).params]).toEqual([n, []]);
  });
});
