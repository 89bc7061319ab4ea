/**
 * The Oracle dialect of the named SQL (sql/oracle/queries, read by ../sql-loader.ts): `:name`
 * binds kept as named binds, which is what node-oracledb binds by; and scripts (migrations,
 * packages) split into the statements one execute() runs.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths.js';
import { parseNamedStatements, StatementCatalog, type NamedStatement, type SqlDialect } from '../sql-loader.js';

export const ORACLE_SQL_DIR = join(PROJECT_ROOT, 'sql', 'oracle');
export const ORACLE_QUERIES_DIR = join(ORACLE_SQL_DIR, 'queries');
export const ORACLE_MIGRATIONS_DIR = join(ORACLE_SQL_DIR, 'migrations');
export const ORACLE_PACKAGES_DIR = join(ORACLE_SQL_DIR, 'packages');

export interface OracleStatement extends NamedStatement {
  /** The statement as sent: `:name` binds kept, comments and a SQL statement's `;` removed. */
  readonly text: string;
  /** Distinct bind names, in order of first appearance. */
  readonly binds: readonly string[];
}

const BIND = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_$#]*)/g;
// PL/SQL units keep their final `;` (it ends `END;`); a SQL statement must not send one.
const PLSQL_START = /^(BEGIN|DECLARE|CREATE\s+(OR\s+REPLACE\s+)?(EDITIONABLE\s+|NONEDITIONABLE\s+)?(PACKAGE|PROCEDURE|FUNCTION|TRIGGER|TYPE))\b/i;

/** Drops whole-line `--` comments and blank lines (trailing comments are left to the server). */
function stripCommentLines(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line) && line.trim() !== '')
    .join('\n');
}

/** Bind names of a statement, skipping text inside '...' literals (such as 'HH24:MI:SS'). */
export function bindNames(sql: string): string[] {
  const names: string[] = [];
  for (const m of sql.replace(/'(?:[^']|'')*'/g, "''").matchAll(BIND)) {
    const name = (m[1] as string).toLowerCase();
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Makes one statement ready to send; exported for tests. */
export function prepareStatement(name: string, sql: string): OracleStatement {
  let text = stripCommentLines(sql).trim();
  if (!PLSQL_START.test(text)) text = text.replace(/;\s*$/, '');
  if (text === '') throw new Error(`Oracle SQL statement ${name} is empty`);
  return Object.freeze({ name, text, binds: Object.freeze(bindNames(text)) });
}

/** The Oracle compile step of the one loader. */
export const ORACLE_DIALECT: SqlDialect<OracleStatement> = { label: 'Oracle SQL', compile: prepareStatement };

/** Splits one file into its named statements. */
export function parseOracleSqlFile(source: string, file: string): OracleStatement[] {
  return parseNamedStatements(source, file, ORACLE_DIALECT);
}

/** The Oracle statements of one folder (sql/oracle/queries unless told otherwise). */
export type OracleSqlCatalog = StatementCatalog<OracleStatement>;
export const OracleSqlCatalog = {
  load(dir: string = ORACLE_QUERIES_DIR): OracleSqlCatalog {
    return StatementCatalog.load(dir, ORACLE_DIALECT);
  },
};

let projectCatalog: OracleSqlCatalog | undefined;
/** sql/oracle/queries, loaded on first use and shared by the repository, the store and the migrations. */
export function oracleCatalog(): OracleSqlCatalog {
  projectCatalog ??= OracleSqlCatalog.load();
  return projectCatalog;
}

/**
 * Splits a script (migration or package source) into statements. Statements end with a line
 * holding only `/`, the SQL*Plus convention, because `;` also ends every line of a PL/SQL body.
 */
export function splitScript(source: string, file: string): OracleStatement[] {
  return source
    .split(/^\s*\/\s*$/m)
    .map((chunk) => stripCommentLines(chunk).trim())
    .filter((chunk) => chunk !== '')
    .map((chunk, i) => prepareStatement(`${file}#${i + 1}`, chunk));
}
