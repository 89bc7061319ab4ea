/**
 * Oracle SQL files: named statements (the same `/* @name x *\/` format as sql/postgres, read by
 * sql-catalog.ts) with their `:name` binds kept as named binds, which is what node-oracledb
 * binds by; and scripts (migrations, packages) split into the statements one execute() runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths.js';

export const ORACLE_SQL_DIR = join(PROJECT_ROOT, 'sql', 'oracle');
export const ORACLE_QUERIES_DIR = join(ORACLE_SQL_DIR, 'queries');
export const ORACLE_MIGRATIONS_DIR = join(ORACLE_SQL_DIR, 'migrations');
export const ORACLE_PACKAGES_DIR = join(ORACLE_SQL_DIR, 'packages');

export interface OracleStatement {
  readonly name: string;
  /** The statement as sent: `:name` binds kept, comments and a SQL statement's `;` removed. */
  readonly text: string;
  /** Distinct bind names, in order of first appearance. */
  readonly binds: readonly string[];
}

const NAME_MARKER = /\/\*\s*@name\s+([A-Za-z][A-Za-z0-9_]*)\s*\*\//g;
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

/** Splits one file into its named statements. */
export function parseOracleSqlFile(source: string, file: string): OracleStatement[] {
  const markers = [...source.matchAll(NAME_MARKER)];
  if (markers.length === 0) throw new Error(`${file} holds no /* @name ... */ statement`);
  return markers.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = markers[i + 1]?.index ?? source.length;
    return prepareStatement(m[1] as string, source.slice(start, end));
  });
}

/** The named statements of a folder, loaded once at start; missing or duplicate names fail fast. */
export class OracleSqlCatalog {
  private constructor(private readonly statements: ReadonlyMap<string, OracleStatement>) {}

  static load(dir: string = ORACLE_QUERIES_DIR): OracleSqlCatalog {
    const map = new Map<string, OracleStatement>();
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      for (const stmt of parseOracleSqlFile(readFileSync(join(dir, file), 'utf8'), file)) {
        if (map.has(stmt.name)) throw new Error(`Oracle SQL statement ${stmt.name} is defined twice (${file})`);
        map.set(stmt.name, stmt);
      }
    }
    return new OracleSqlCatalog(map);
  }

  get(name: string): OracleStatement {
    const stmt = this.statements.get(name);
    if (!stmt) throw new Error(`Oracle SQL statement ${name} is not in the catalog`);
    return stmt;
  }

  names(): string[] {
    return [...this.statements.keys()];
  }
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
