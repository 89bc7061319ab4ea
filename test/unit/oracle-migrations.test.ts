/**
 * The Oracle migration runner's rules, on an in-memory schema_migrations: since Oracle DDL
 * commits as it goes, a failed script is marked 'failed' and resumed at the statement that
 * failed; an applied migration never runs again nor may change; nor may an applied package
 * (packages are versioned by name), while one that failed to compile is created again.
 */
import { AppError } from '../../src/domain/errors.js';
import type {
  OracleBinds,
  OracleExecuteOptions,
  OracleExecutor,
} from '../../src/data/oracle/oracle-database.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyOracleScripts,
  loadOraclePackages,
  ORACLE_MIGRATION_STATEMENTS,
  type OracleScript,
} from '../../src/data/oracle/oracle-migrations.js';
import { OracleSqlCatalog, splitScript, type OracleStatement } from '../../src/data/oracle/oracle-sql.js';

interface MigrationRow {
  CHECKSUM: string;
  STATUS: 'running' | 'failed' | 'applied';
  STEPS_DONE: number;
  ERROR_CODE?: string;
}

/** Interprets the runner's own statements by name; records every script statement it "runs". */
function fakeOracle(options: { failOn?: string; compileErrors?: number } = {}) {
  const table = new Map<string, MigrationRow>();
  const ran: string[] = [];
  let failOn = options.failOn;
  const v = (b: OracleBinds, k: string) => b[k]?.val as string;
  const exec: OracleExecutor = {
    async execute<R>(stmt: OracleStatement, binds: OracleBinds = {}) {
      const version = v(binds, 'version');
      const row = table.get(version);
      switch (stmt.name) {
        case 'createSchemaMigrations':
          return {};
        case 'readMigration':
          return { rows: (row ? [{ ...row }] : []) as R[] };
        case 'claimMigration':
          if (row) throw new AppError('conflict', { detail: 'taken' });
          table.set(version, { CHECKSUM: v(binds, 'checksum'), STATUS: 'running', STEPS_DONE: 0 });
          return {};
        case 'reclaimMigration': {
          const match =
            row && row.STATUS === v(binds, 'from_status') && row.CHECKSUM === v(binds, 'from_checksum');
          if (match) {
            Object.assign(row, {
              STATUS: 'running',
              CHECKSUM: v(binds, 'checksum'),
              STEPS_DONE: binds.steps_done?.val,
            });
          }
          return { rowsAffected: match ? 1 : 0 };
        }
        case 'stepMigration':
          if (row) row.STEPS_DONE = binds.steps_done?.val as number;
          return {};
        case 'failMigration':
          if (row) Object.assign(row, { STATUS: 'failed', ERROR_CODE: v(binds, 'error_code') });
          return {};
        case 'finishMigration':
          if (row) row.STATUS = 'applied';
          return {};
        case 'packageErrors':
          return {
            rows: Array.from({ length: options.compileErrors ?? 0 }, () => ({
              LINE: 3,
              POSITION: 7,
              TEXT: 'PLS-00103',
            })) as R[],
          };
        default:
          if (failOn !== undefined && stmt.text.includes(failOn)) {
            failOn = undefined; // fails once, as a full tablespace would until an operator fixes it
            throw new AppError('internal', { detail: 'ddl failed', cause: { code: 'ORA-01658' } });
          }
          ran.push(stmt.text);
          return {};
      }
    },
  };
  return { exec, table, ran, setFailOn: (s: string) => (failOn = s) };
}

function migration(version: string, source: string): OracleScript {
  return {
    version,
    kind: 'migration',
    checksum: `sum-of-${source}`,
    statements: splitScript(source, version),
  };
}
const THREE = 'CREATE TABLE a (x NUMBER)\n/\nCREATE TABLE b (x NUMBER)\n/\nCREATE TABLE c (x NUMBER)\n/\n';

describe('applyOracleScripts', () => {
  test('when a database is new, then every statement runs once and the script is applied', async () => {
    const f = fakeOracle();
    expect(await applyOracleScripts(f.exec, [migration('0001_x', THREE)])).toEqual(['0001_x']);
    expect(f.ran).toEqual([
      'CREATE TABLE a (x NUMBER)',
      'CREATE TABLE b (x NUMBER)',
      'CREATE TABLE c (x NUMBER)',
    ]);
    expect(f.table.get('0001_x')).toMatchObject({ STATUS: 'applied', STEPS_DONE: 3 });
    expect(await applyOracleScripts(f.exec, [migration('0001_x', THREE)])).toEqual([]);
    expect(f.ran).toHaveLength(3);
  });

  test('when a statement fails, then the script is marked failed and the next start resumes there', async () => {
    const f = fakeOracle({ failOn: 'TABLE b' });
    await expect(applyOracleScripts(f.exec, [migration('0001_x', THREE)])).rejects.toThrow(
      'migration 0001_x failed at statement 2 of 3',
    );
    expect(f.table.get('0001_x')).toMatchObject({ STATUS: 'failed', STEPS_DONE: 1, ERROR_CODE: 'ORA-01658' });
    expect(await applyOracleScripts(f.exec, [migration('0001_x', THREE)])).toEqual(['0001_x']);
    expect(f.ran).toEqual([
      'CREATE TABLE a (x NUMBER)',
      'CREATE TABLE b (x NUMBER)',
      'CREATE TABLE c (x NUMBER)',
    ]);
    expect(f.table.get('0001_x')?.STATUS).toBe('applied');
  });

  test('when a failed migration file was edited, then the start stops and asks for a hand repair', async () => {
    const f = fakeOracle({ failOn: 'TABLE b' });
    await expect(applyOracleScripts(f.exec, [migration('0001_x', THREE)])).rejects.toThrow();
    await expect(applyOracleScripts(f.exec, [migration('0001_x', `${THREE}-- edited\n`)])).rejects.toThrow(
      'repair the schema by hand',
    );
  });

  test('when an applied migration file changed, then the start stops', async () => {
    const f = fakeOracle();
    await applyOracleScripts(f.exec, [migration('0001_x', THREE)]);
    await expect(
      applyOracleScripts(f.exec, [migration('0001_x', 'CREATE TABLE z (x NUMBER)\n/\n')]),
    ).rejects.toThrow('changed after it was applied');
  });

  test('when another instance holds a script past the wait, then the start stops with what to do', async () => {
    const f = fakeOracle();
    f.table.set('0001_x', { CHECKSUM: `sum-of-${THREE}`, STATUS: 'running', STEPS_DONE: 1 });
    await expect(
      applyOracleScripts(f.exec, [migration('0001_x', THREE)], { waitMs: 30, pollMs: 10 }),
    ).rejects.toThrow("set its status to 'failed'");
    expect(f.ran).toEqual([]);
  });

  const pkg = (source: string): OracleScript => ({
    version: 'package:p_v1.pks',
    kind: 'package',
    checksum: `sum-of-${source}`,
    statements: splitScript(source, 'p_v1.pks'),
    object: { name: 'P_V1', type: 'PACKAGE' },
  });
  const V1 = 'CREATE OR REPLACE PACKAGE p_v1 AS\n  x CONSTANT NUMBER := 1;\nEND p_v1;\n/\n';

  test('when an applied package changed, then the start stops and asks for a new version rather than replace it under running instances', async () => {
    const f = fakeOracle();
    expect(await applyOracleScripts(f.exec, [pkg(V1)])).toEqual(['package:p_v1.pks']);
    expect(f.ran[0]).toMatch(/END p_v1;$/);
    expect(await applyOracleScripts(f.exec, [pkg(V1)])).toEqual([]);
    await expect(applyOracleScripts(f.exec, [pkg(V1.replace(':= 1', ':= 2'))])).rejects.toThrow(
      'packages are versioned by name',
    );
    // Nothing was sent: CREATE OR REPLACE of a package in use is what waits (ORA-04021).
    expect(f.ran).toHaveLength(1);
  });

  test('when a package does not compile, then it is marked failed, and the fixed file is created again', async () => {
    const broken = fakeOracle({ compileErrors: 1 });
    await expect(applyOracleScripts(broken.exec, [pkg(V1)])).rejects.toThrow(
      'PACKAGE P_V1 does not compile: 3:7 PLS-00103',
    );
    expect(broken.table.get('package:p_v1.pks')?.STATUS).toBe('failed');
    const fixed = fakeOracle();
    fixed.table.set('package:p_v1.pks', { ...broken.table.get('package:p_v1.pks')! });
    expect(await applyOracleScripts(fixed.exec, [pkg(V1.replace(':= 1', ':= 2'))])).toEqual([
      'package:p_v1.pks',
    ]);
    expect(fixed.table.get('package:p_v1.pks')?.STATUS).toBe('applied');
  });

  test('when only comments of a package file change, then its checksum does not (no new version needed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oracle-pkg-'));
    try {
      const read = () => loadOraclePackages(dir)[0]?.checksum;
      writeFileSync(join(dir, 'p_v1.pks'), `-- first words\n${V1}`);
      const before = read();
      writeFileSync(join(dir, 'p_v1.pks'), `-- other words, and more of them\n${V1}`);
      expect(read()).toBe(before);
      writeFileSync(join(dir, 'p_v1.pks'), V1.replace(':= 1', ':= 2'));
      expect(read()).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when compile errors are read, then compiler warnings (PLW-, ATTRIBUTE WARNING) are not among them', () => {
    const { text } = OracleSqlCatalog.load().get('packageErrors');
    expect(text).toMatch(/FROM user_errors\s+WHERE name = :name AND type = :type AND attribute = 'ERROR'/);
  });

  test('when the runner sends its own statements, then each comes from sql/oracle/queries with exactly its binds', async () => {
    const f = fakeOracle({ failOn: 'TABLE b', compileErrors: 0 });
    const seen = new Set<string>();
    const own = new Set<string>(ORACLE_MIGRATION_STATEMENTS);
    const checked: OracleExecutor = {
      execute<R>(stmt: OracleStatement, binds: OracleBinds = {}, options?: OracleExecuteOptions) {
        if (own.has(stmt.name)) {
          expect([stmt.name, Object.keys(binds).sort()]).toEqual([stmt.name, [...stmt.binds].sort()]);
          seen.add(stmt.name);
        }
        return f.exec.execute<R>(stmt, binds, options);
      },
    };
    const pkg: OracleScript = {
      version: 'package:p.pks',
      kind: 'package',
      checksum: 'sum',
      statements: splitScript(
        'CREATE OR REPLACE PACKAGE p AS\n  x CONSTANT NUMBER := 1;\nEND p;\n/\n',
        'p.pks',
      ),
      object: { name: 'P', type: 'PACKAGE' },
    };
    await expect(applyOracleScripts(checked, [migration('0001_x', THREE)])).rejects.toThrow();
    expect(await applyOracleScripts(checked, [migration('0001_x', THREE), pkg])).toEqual([
      '0001_x',
      'package:p.pks',
    ]);
    expect([...seen].sort()).toEqual([...ORACLE_MIGRATION_STATEMENTS].sort());
  });
});
