/**
 * The PostgreSQL dialect of the named SQL (sql/postgres/queries, read by sql-loader.ts): each
 * `/* @name x *\/` block's `:named` bind parameters compiled to positional `$n`, once, at start.
 */
import { POSTGRES_QUERIES_DIR } from '../config/paths.js';
import { parseNamedStatements, StatementCatalog, type NamedStatement, type SqlDialect } from './sql-loader.js';

export interface Statement extends NamedStatement {
  /** The statement with `$1..$n` in place of the named parameters. */
  readonly text: string;
  /** Parameter names in `$n` order. */
  readonly params: readonly string[];
}

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

/** The PostgreSQL compile step of the one loader. */
export const POSTGRES_DIALECT: SqlDialect<Statement> = { label: 'SQL', compile: compileStatement };

/** Splits one file's text into its named statements. */
export function parseSqlFile(source: string, file: string): Statement[] {
  return parseNamedStatements(source, file, POSTGRES_DIALECT);
}

/** The PostgreSQL statements of one folder (sql/postgres/queries unless told otherwise). */
export type SqlCatalog = StatementCatalog<Statement>;
export const SqlCatalog = {
  load(dir: string = POSTGRES_QUERIES_DIR): SqlCatalog {
    return StatementCatalog.load(dir, POSTGRES_DIALECT);
  },
};

let projectCatalog: SqlCatalog | undefined;
/**
 * sql/postgres/queries, loaded on first use and shared: the repository, the idempotency store,
 * the migrations and the partition maintenance of a process use one catalog.
 */
export function postgresCatalog(): SqlCatalog {
  projectCatalog ??= SqlCatalog.load();
  return projectCatalog;
}

/** Orders named values for a statement; a parameter left undefined is a programming error. */
export function bindParams(stmt: Statement, values: Record<string, unknown>): unknown[] {
  return stmt.params.map((p) => {
    const v = values[p];
    if (v === undefined) throw new Error(`SQL statement ${stmt.name}: no value for :${p}`);
    return v;
  });
}
