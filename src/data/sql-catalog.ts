/**
 * Loads named SQL statements from .sql files (`/* @name findRecordById *\/` blocks with
 * `:named` bind parameters) and compiles them to positional `$n` statements once, at start.
 * A duplicate name, an empty block or a missing statement fails fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Statement {
  readonly name: string;
  /** The statement with `$1..$n` in place of the named parameters. */
  readonly text: string;
  /** Parameter names in `$n` order. */
  readonly params: readonly string[];
}

const NAME_MARKER = /\/\*\s*@name\s+([A-Za-z][A-Za-z0-9_]*)\s*\*\//g;
// `:name` not preceded by another colon, so `::jsonb` casts are left alone.
const PARAM = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g;

/** Removes `-- comments` (the catalog's SQL holds no `--` inside string literals). */
function stripLineComments(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.replace(/--.*$/, '').trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n');
}

/** Compiles one named statement; exported for tests. */
export function compileStatement(name: string, sql: string): Statement {
  const params: string[] = [];
  const text = stripLineComments(sql)
    .trim()
    .replace(/;\s*$/, '')
    .replace(PARAM, (_m, param: string) => {
      let index = params.indexOf(param);
      if (index < 0) index = params.push(param) - 1;
      return `$${index + 1}`;
    });
  if (text === '') throw new Error(`SQL statement ${name} is empty`);
  return Object.freeze({ name, text, params: Object.freeze(params) });
}

/** Splits one file's text into its named statements. */
export function parseSqlFile(source: string, file: string): Statement[] {
  const markers = [...source.matchAll(NAME_MARKER)];
  if (markers.length === 0) throw new Error(`${file} holds no /* @name ... */ statement`);
  return markers.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = markers[i + 1]?.index ?? source.length;
    return compileStatement(m[1] as string, source.slice(start, end));
  });
}

export class SqlCatalog {
  private constructor(private readonly statements: ReadonlyMap<string, Statement>) {}

  /** Reads every .sql file of a folder. */
  static load(dir: string): SqlCatalog {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    const map = new Map<string, Statement>();
    for (const file of files) {
      for (const stmt of parseSqlFile(readFileSync(join(dir, file), 'utf8'), file)) {
        if (map.has(stmt.name)) throw new Error(`SQL statement ${stmt.name} is defined twice (${file})`);
        map.set(stmt.name, stmt);
      }
    }
    return new SqlCatalog(map);
  }

  get(name: string): Statement {
    const stmt = this.statements.get(name);
    if (!stmt) throw new Error(`SQL statement ${name} is not in the catalog`);
    return stmt;
  }

  names(): string[] {
    return [...this.statements.keys()];
  }
}

/** Orders named values for a statement; a parameter left undefined is a programming error. */
export function bindParams(stmt: Statement, values: Record<string, unknown>): unknown[] {
  return stmt.params.map((p) => {
    const v = values[p];
    if (v === undefined) throw new Error(`SQL statement ${stmt.name}: no value for :${p}`);
    return v;
  });
}
