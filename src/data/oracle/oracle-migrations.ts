/**
 * Versioned migrations from sql/oracle/migrations, then the PL/SQL packages of
 * sql/oracle/packages (re)created with CREATE OR REPLACE whenever their source changes.
 *
 * Oracle DDL is not transactional: each CREATE commits by itself, so a migration cannot be rolled
 * back as PostgreSQL's are. Instead schema_migrations records, per script, its checksum, status
 * ('running', 'failed', 'applied') and how many of its statements have finished:
 * - a statement that fails marks the script 'failed' (with the error code) and stops the start;
 * - the next start, with the same file, resumes at the statement that failed; nothing that
 *   succeeded runs twice. A failed migration whose file was edited stops the start: repair the
 *   schema by hand, then delete its row.
 * - a row claimed by an instance is 'running'; other instances wait for it. A row left 'running'
 *   by a crashed instance stops the start after the wait: set it to 'failed' to resume.
 * - an applied migration whose file changed stops the start: migrations are append-only.
 * - so does an applied package whose statements changed (comments aside): packages are versioned
 *   by name (records_api_v1, _v2, ...), never replaced while other instances may run them
 *   (ORA-04021, ORA-04061/04065/06508; records_api_v1.pks says more). A package that failed to
 *   compile is created again when its file changes: nothing runs a package that does not compile.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError, ERRORS } from '../../domain/errors.js';
import type { OracleConnection, OracleDatabase, OracleExecutor } from './oracle-database.js';
import { ORACLE_MIGRATIONS_DIR, ORACLE_PACKAGES_DIR, oracleCatalog, splitScript } from './oracle-sql.js';
import type { OracleSqlCatalog, OracleStatement } from './oracle-sql.js';

export interface OracleScript {
  /** Migrations: the file name without .sql; packages: "package:" + file name. */
  version: string;
  kind: 'migration' | 'package';
  checksum: string;
  statements: OracleStatement[];
  /** For packages: the object to look up in USER_ERRORS after compiling. */
  object?: { name: string; type: 'PACKAGE' | 'PACKAGE BODY' };
}

function script(file: string, source: string, kind: OracleScript['kind']): OracleScript {
  const name = basename(file);
  const statements = splitScript(source, name);
  // A package's checksum covers what is sent (whole-line comments dropped): editing its comments
  // is not a new version.
  const hashed = kind === 'migration' ? source : statements.map((st) => st.text).join('\n/\n');
  const s: OracleScript = {
    version: kind === 'migration' ? name.replace(/\.sql$/, '') : `package:${name}`,
    kind,
    checksum: createHash('sha256').update(hashed).digest('hex'),
    statements,
  };
  if (kind === 'package') {
    s.object = {
      name: name.replace(/\.pk[sb]$/, '').toUpperCase(),
      type: name.endsWith('.pks') ? 'PACKAGE' : 'PACKAGE BODY',
    };
  }
  return s;
}

export function loadOracleMigrations(dir: string = ORACLE_MIGRATIONS_DIR): OracleScript[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => script(f, readFileSync(join(dir, f), 'utf8'), 'migration'));
}

/** Package specs before bodies, so a body always compiles against its current spec. */
export function loadOraclePackages(dir: string = ORACLE_PACKAGES_DIR): OracleScript[] {
  const files = readdirSync(dir).filter((f) => /^[a-z0-9_]+\.pk[sb]$/.test(f));
  const order = (f: string) => `${f.endsWith('.pks') ? 0 : 1}${f}`;
  return files
    .sort((a, b) => order(a).localeCompare(order(b)))
    .map((f) => script(f, readFileSync(join(dir, f), 'utf8'), 'package'));
}

/** The runner's statements, in sql/oracle/queries/migrations.sql. */
export const ORACLE_MIGRATION_STATEMENTS = [
  'createSchemaMigrations',
  'readMigration',
  'claimMigration',
  'reclaimMigration',
  'stepMigration',
  'failMigration',
  'finishMigration',
  'packageErrors',
] as const;

type Sql = Record<(typeof ORACLE_MIGRATION_STATEMENTS)[number], OracleStatement>;

function runnerStatements(catalog: OracleSqlCatalog): Sql {
  return Object.fromEntries(ORACLE_MIGRATION_STATEMENTS.map((n) => [n, catalog.get(n)])) as Sql;
}

interface Row {
  CHECKSUM: string;
  STATUS: 'running' | 'failed' | 'applied';
  STEPS_DONE: number;
}

export interface OracleMigrateOptions {
  /** How long to wait for another instance's 'running' script before giving up. */
  waitMs?: number;
  pollMs?: number;
  /** The statements (default: sql/oracle/queries). */
  catalog?: OracleSqlCatalog;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errorCode(err: unknown): string {
  const cause = err instanceof AppError ? err.cause : err;
  const { code, errorNum } = (cause ?? {}) as { code?: unknown; errorNum?: unknown };
  return String(code ?? (errorNum !== undefined ? `ORA-${errorNum}` : 'unknown')).slice(0, 64);
}

class Runner {
  constructor(
    private readonly exec: OracleExecutor,
    private readonly sql: Sql,
    private readonly options: { waitMs: number; pollMs: number },
  ) {}

  private async run(s: OracleScript, from: number): Promise<void> {
    const commit = { autoCommit: true };
    for (let i = from; i < s.statements.length; i++) {
      try {
        await this.exec.execute(s.statements[i] as OracleStatement, {}, commit);
      } catch (err) {
        await this.exec.execute(this.sql.failMigration, { version: { val: s.version }, error_code: { val: errorCode(err) } }, commit);
        throw new Error(`${s.kind} ${s.version} failed at statement ${i + 1} of ${s.statements.length}`, {
          cause: err,
        });
      }
      await this.exec.execute(this.sql.stepMigration, { version: { val: s.version }, steps_done: { val: i + 1 } }, commit);
    }
    if (s.object) {
      // CREATE OR REPLACE succeeds even when the unit does not compile; USER_ERRORS tells.
      const res = await this.exec.execute<{ LINE: number; POSITION: number; TEXT: string }>(this.sql.packageErrors, {
        name: { val: s.object.name },
        type: { val: s.object.type },
      });
      const errors = res.rows ?? [];
      if (errors.length > 0) {
        await this.exec.execute(this.sql.failMigration, { version: { val: s.version }, error_code: { val: 'PLS' } }, commit);
        const list = errors.map((e) => `${e.LINE}:${e.POSITION} ${e.TEXT.trim()}`).join('; ');
        throw new Error(`${s.object.type} ${s.object.name} does not compile: ${list}`);
      }
    }
    await this.exec.execute(this.sql.finishMigration, { version: { val: s.version } }, commit);
  }

  /** Claims the row by inserting it; false when another instance inserted it first. */
  private async claim(s: OracleScript): Promise<boolean> {
    try {
      await this.exec.execute(
        this.sql.claimMigration,
        { version: { val: s.version }, checksum: { val: s.checksum } },
        { autoCommit: true },
      );
      return true;
    } catch (err) {
      if (err instanceof AppError && err.spec === ERRORS.conflict) return false;
      throw err;
    }
  }

  /** Moves the row from one status to 'running'; false when another instance moved it first. */
  private async reclaim(s: OracleScript, row: Row, steps: number): Promise<boolean> {
    const res = await this.exec.execute(
      this.sql.reclaimMigration,
      {
        version: { val: s.version },
        checksum: { val: s.checksum },
        steps_done: { val: steps },
        from_status: { val: row.STATUS },
        from_checksum: { val: row.CHECKSUM },
      },
      { autoCommit: true },
    );
    return res.rowsAffected === 1;
  }

  /** Brings one script up to date; true when it ran (or resumed) now. */
  async apply(s: OracleScript): Promise<boolean> {
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const res = await this.exec.execute<Row>(this.sql.readMigration, { version: { val: s.version } });
      const row = res.rows?.[0];
      if (!row) {
        if (await this.claim(s)) return this.run(s, 0).then(() => true);
        continue;
      }
      const same = row.CHECKSUM === s.checksum;
      if (row.STATUS === 'applied') {
        if (same) return false;
        if (s.kind === 'migration') throw new Error(`migration ${s.version} changed after it was applied`);
        throw new Error(
          `${s.version} changed after it was applied: packages are versioned by name, so copy it to ` +
            'the next version (records_api_v2, and its call in records.sql) instead of editing it (docs/oracle.md)',
        );
      }
      if (row.STATUS === 'failed') {
        if (!same && s.kind === 'migration') {
          throw new Error(
            `migration ${s.version} failed after ${row.STEPS_DONE} statement(s) and its file has changed since: ` +
              'repair the schema by hand, then delete its row from schema_migrations',
          );
        }
        const from = same ? row.STEPS_DONE : 0;
        if (await this.reclaim(s, row, from)) return this.run(s, from).then(() => true);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${s.kind} ${s.version} has been 'running' elsewhere for too long; if no instance is ` +
            "migrating, set its status to 'failed' in schema_migrations and start again to resume",
        );
      }
      await sleep(this.options.pollMs);
    }
  }
}

/**
 * Brings each script up to date on one session, in order; returns the versions applied (or
 * resumed) now. Exported apart from migrateOracle so tests can drive it with a fake executor.
 */
export async function applyOracleScripts(
  exec: OracleExecutor,
  scripts: OracleScript[],
  options: OracleMigrateOptions = {},
): Promise<string[]> {
  const sql = runnerStatements(options.catalog ?? oracleCatalog());
  await exec.execute(sql.createSchemaMigrations, {}, { autoCommit: true });
  const runner = new Runner(exec, sql, { waitMs: options.waitMs ?? 300_000, pollMs: options.pollMs ?? 1000 });
  const applied: string[] = [];
  for (const s of scripts) {
    if (await runner.apply(s)) applied.push(s.version);
  }
  return applied;
}

/** Applies what is pending, then the packages that changed; returns the versions applied now. */
export async function migrateOracle(
  db: OracleDatabase,
  scripts: OracleScript[] = [...loadOracleMigrations(), ...loadOraclePackages()],
  options: OracleMigrateOptions = {},
): Promise<string[]> {
  // DDL such as building an index over existing rows can outlast any per-request bound.
  return db.withConnection((_conn: OracleConnection, exec) => applyOracleScripts(exec, scripts, options), {
    callTimeoutMs: 0,
  });
}
