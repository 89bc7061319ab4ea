/**
 * The one loader of named SQL, for every dialect: the .sql files of a folder hold
 * `/* @name findRecordById *\/` blocks, each compiled once, at start, by the dialect's own step
 * (PostgreSQL, sql-catalog.ts: `:name` becomes `$n`; Oracle, oracle/oracle-sql.ts: `:name` stays a
 * named bind). A file without a block, an empty block, a name defined twice or a name asked for
 * but missing fails fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What every dialect's compiled statement has. */
export interface NamedStatement {
  readonly name: string;
  /** The statement as sent. */
  readonly text: string;
}

/** A dialect's compile step, and the word its error messages start with. */
export interface SqlDialect<S extends NamedStatement> {
  /** "SQL" (PostgreSQL) or "Oracle SQL". */
  readonly label: string;
  /** Turns one block's text into the statement to send; throws when it is empty. */
  compile(name: string, body: string): S;
}

const NAME_MARKER = /\/\*\s*@name\s+([A-Za-z][A-Za-z0-9_]*)\s*\*\//g;

/** Splits one file's text into its named statements, each compiled by the dialect. */
export function parseNamedStatements<S extends NamedStatement>(
  source: string,
  file: string,
  dialect: SqlDialect<S>,
): S[] {
  const markers = [...source.matchAll(NAME_MARKER)];
  if (markers.length === 0) throw new Error(`${file} holds no /* @name ... */ statement`);
  return markers.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = markers[i + 1]?.index ?? source.length;
    return dialect.compile(m[1] as string, source.slice(start, end));
  });
}

/** The named statements of one folder, by name. */
export class StatementCatalog<S extends NamedStatement> {
  private constructor(
    private readonly statements: ReadonlyMap<string, S>,
    private readonly label: string,
  ) {}

  /** Reads and compiles every .sql file of dir, in file-name order. */
  static load<S extends NamedStatement>(dir: string, dialect: SqlDialect<S>): StatementCatalog<S> {
    const map = new Map<string, S>();
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      for (const stmt of parseNamedStatements(readFileSync(join(dir, file), 'utf8'), file, dialect)) {
        if (map.has(stmt.name)) throw new Error(`${dialect.label} statement ${stmt.name} is defined twice (${file})`);
        map.set(stmt.name, stmt);
      }
    }
    return new StatementCatalog(map, dialect.label);
  }

  get(name: string): S {
    const stmt = this.statements.get(name);
    if (!stmt) throw new Error(`${this.label} statement ${name} is not in the catalog`);
    return stmt;
  }

  names(): string[] {
    return [...this.statements.keys()];
  }
}

// Placeholders for what SQL cannot bind (schema and partition names, the bounds of a partition):
// `{{slot}}`, filled by fillSlots with values the code made, never with request input.
const SLOT = /\{\{([a-z_]+)\}\}/g;
// No quote, space, semicolon, parenthesis or `--`: an identifier, a number or an ISO timestamp.
const SAFE_SLOT_VALUE = /^(?!.*--)[A-Za-z0-9_.:+-]+$/;

/** The slot names of a statement's text, in order of first appearance. */
export function slotNames(text: string): string[] {
  return [...new Set([...text.matchAll(SLOT)].map((m) => m[1] as string))];
}

/**
 * The text of a DDL statement with its `{{slot}}` placeholders filled: exactly the slots it has,
 * each with a value that can only be an identifier, a number or a timestamp.
 */
export function fillSlots(stmt: NamedStatement, values: Record<string, string>): string {
  const wanted = slotNames(stmt.text);
  const given = Object.keys(values);
  if (wanted.length !== given.length || wanted.some((s) => !given.includes(s))) {
    throw new Error(`statement ${stmt.name} has the slots [${wanted.join(', ')}], got [${given.join(', ')}]`);
  }
  for (const [slot, value] of Object.entries(values)) {
    if (!SAFE_SLOT_VALUE.test(value)) throw new Error(`statement ${stmt.name}: unsafe value for {{${slot}}}`);
  }
  return stmt.text.replace(SLOT, (_m, slot: string) => values[slot] as string);
}
