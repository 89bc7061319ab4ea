/**
 * The Oracle constructs sql/oracle may use: each is one that the Oracle documentation or
 * node-oracledb's own test suite shows working, and docs/oracle.md ("Evidence") cites where,
 * under the same id. checkOracleStatement reports every use of anything else, so a construct
 * without evidence (a PL/SQL collection of JSON, a JSON_TABLE column without FORMAT JSON, a
 * domain index on the interval-partitioned table, ...) cannot come back unnoticed. A reading of
 * the statement text, not a parser: no Oracle-dialect parser on npm or PyPI accepts these
 * statements (docs/oracle.md says which were tried).
 */

export interface Construct {
  /** The id of its row in docs/oracle.md's evidence table. */
  id: string;
  /** What it allows, in words. */
  what: string;
}

interface KindRule extends Construct {
  /** Matches the start of a statement (comments removed, literals blanked, spaces collapsed). */
  start: RegExp;
}

/** Statement kinds. A statement must start with one of these. */
export const STATEMENT_KINDS: readonly KindRule[] = [
  { id: 'select-fetch-first', what: 'SELECT, with FETCH FIRST :n ROWS ONLY', start: /^SELECT\b/ },
  {
    id: 'dml-returning',
    what: 'INSERT / UPDATE / DELETE, with RETURNING ... INTO',
    start: /^(INSERT INTO|UPDATE|DELETE FROM)\b/,
  },
  { id: 'plsql-anonymous-block', what: 'an anonymous PL/SQL block', start: /^BEGIN\b/ },
  {
    id: 'create-table-if-not-exists',
    what: 'CREATE TABLE [IF NOT EXISTS]',
    start: /^CREATE TABLE (IF NOT EXISTS )?\w+ \(/,
  },
  {
    id: 'local-btree-index',
    what: 'CREATE INDEX on columns, LOCAL or not',
    start: /^CREATE INDEX \w+ ON \w+ \([\w, ]+\)( LOCAL)?$/,
  },
  {
    id: 'package-create-or-replace',
    what: 'CREATE OR REPLACE PACKAGE [BODY]',
    start: /^CREATE OR REPLACE PACKAGE (BODY )?\w+ (AUTHID DEFINER )?AS\b/,
  },
  {
    id: 'drop-partition-update-indexes',
    what: 'ALTER TABLE ... DROP PARTITION ... UPDATE INDEXES',
    start: /^ALTER TABLE \w+ DROP PARTITION "\{\{partition\}\}" UPDATE INDEXES$/,
  },
  {
    id: 'alter-table-add-columns',
    what: 'ALTER TABLE ... ADD (column definitions)',
    start: /^ALTER TABLE \w+ ADD \(/,
  },
  {
    id: 'ddl-lock-timeout',
    what: 'ALTER SESSION SET DDL_LOCK_TIMEOUT',
    start: /^ALTER SESSION SET DDL_LOCK_TIMEOUT = \d+$/,
  },
];

/** SQL and PL/SQL functions (a name followed by "("). */
export const FUNCTIONS: Readonly<Record<string, string>> = {
  CAST: 'cast-sys-extract-utc',
  SYS_EXTRACT_UTC: 'cast-sys-extract-utc',
  REGEXP_LIKE: 'regexp-like-check',
  NUMTOYMINTERVAL: 'interval-partitioning',
  NUMTODSINTERVAL: 'numtodsinterval',
  NVL: 'nvl-greatest',
  GREATEST: 'nvl-greatest',
  CEIL: 'nvl-greatest',
  HEXTORAW: 'hextoraw',
  TO_CHAR: 'raise-application-error',
  RAISE_APPLICATION_ERROR: 'raise-application-error',
  JSON_TABLE: 'json-table-columns',
  JSON_EXISTS: 'json-exists-passing',
};

/** Column types of CREATE TABLE (the text after the column name, up to NOT NULL, DEFAULT, ...). */
export const COLUMN_TYPES: readonly (Construct & { type: RegExp })[] = [
  { id: 'column-types', what: 'RAW(n)', type: /^RAW\(\d+\)$/ },
  { id: 'column-types', what: 'VARCHAR2(n [BYTE|CHAR])', type: /^VARCHAR2\(\d+( BYTE| CHAR)?\)$/ },
  { id: 'column-types', what: 'NUMBER(p)', type: /^NUMBER\(\d+\)$/ },
  { id: 'column-types', what: 'TIMESTAMP(3) WITH TIME ZONE', type: /^TIMESTAMP\(3\) WITH TIME ZONE$/ },
  { id: 'column-types', what: 'BLOB', type: /^BLOB$/ },
  { id: 'json-type', what: 'JSON', type: /^JSON$/ },
  { id: 'json-object-modifier', what: 'JSON (OBJECT)', type: /^JSON \(OBJECT\)$/ },
  {
    id: 'virtual-column-partition-key',
    what: 'TIMESTAMP(3) GENERATED ALWAYS AS (...) VIRTUAL',
    type: /^TIMESTAMP\(3\) GENERATED ALWAYS AS \(.+\) VIRTUAL$/,
  },
];

/** JSON_TABLE column forms (one column of its COLUMNS clause, literals blanked). */
export const JSON_TABLE_COLUMNS: readonly (Construct & { form: RegExp })[] = [
  { id: 'json-table-columns', what: 'name FOR ORDINALITY', form: /^\w+ FOR ORDINALITY$/ },
  {
    id: 'json-table-columns',
    what: "name VARCHAR2(n) PATH '...' [ERROR ON ERROR]",
    form: /^\w+ VARCHAR2\(\d+\) PATH ''( ERROR ON ERROR)?$/,
  },
  {
    id: 'json-table-format-json',
    what: "name JSON FORMAT JSON PATH '...' [ERROR ON ERROR]: a JSON-returning column needs FORMAT JSON",
    form: /^\w+ JSON FORMAT JSON PATH ''( ERROR ON ERROR)?$/,
  },
];

/** PL/SQL collection element types node-oracledb binds (index-by tables of scalars). None is used now. */
export const COLLECTION_ELEMENTS: readonly (Construct & { element: RegExp })[] = [
  {
    id: 'plsql-index-by-scalars',
    what: 'TABLE OF NUMBER | BINARY_DOUBLE | VARCHAR2(n) | RAW(n) | DATE | TIMESTAMP INDEX BY PLS_INTEGER',
    element: /^(NUMBER|BINARY_DOUBLE|VARCHAR2\(\d+\)|RAW\(\d+\)|DATE|TIMESTAMP) INDEX BY PLS_INTEGER$/,
  },
];

/** Constructs that are words, not names before "(". */
export const PHRASES: readonly (Construct & { phrase: RegExp })[] = [
  {
    id: 'interval-partitioning',
    what: 'PARTITION BY RANGE (...) INTERVAL (...)',
    phrase: /PARTITION BY RANGE \(\w+\) INTERVAL \(/,
  },
  { id: 'json-type', what: 'PL/SQL parameters of type JSON', phrase: /\bIN +JSON\b/ },
  { id: 'plsql-dup-val-on-index', what: 'EXCEPTION WHEN DUP_VAL_ON_INDEX', phrase: /\bDUP_VAL_ON_INDEX\b/ },
  { id: 'json-object-modifier', what: 'JSON (OBJECT)', phrase: /\bJSON \(OBJECT\)/ },
  {
    id: 'json-exists-passing',
    what: 'JSON_EXISTS(payload, \'<path>\' [PASSING :bind AS "vN", ...] TYPE (STRICT))',
    phrase: /\bJSON_EXISTS\(PAYLOAD, '' (PASSING :PC\d+ AS "V\d+"(, :PC\d+ AS "V\d+")* )?TYPE \(STRICT\)\)/,
  },
  {
    id: 'json-exists-type-strict',
    what: 'TYPE (STRICT) in JSON_EXISTS: no casting in comparisons',
    phrase: /\bTYPE \(STRICT\)/,
  },
  {
    id: 'offset-fetch-next',
    what: 'OFFSET :n ROWS FETCH NEXT 1 ROWS ONLY',
    phrase: /\bOFFSET :\w+ ROWS FETCH NEXT 1 ROWS ONLY$/,
  },
];

/**
 * The SQL/JSON path constructs a JSON_EXISTS path may use (oracle-payload-filter.ts writes them),
 * each cited in docs/oracle.md under its id. checkJsonPath reads a path token by token.
 */
export const PATH_CONSTRUCTS: readonly (Construct & { token: RegExp })[] = [
  {
    id: 'sqljson-path-filter',
    what: '$ (the payload), ?( ... ) a filter, @ the current item',
    token: /^(\?\(|\$|@)/,
  },
  { id: 'sqljson-path-filter', what: 'conditions joined by && ', token: /^ && / },
  { id: 'sqljson-path-filter', what: 'a comparison == ', token: /^ == / },
  { id: 'sqljson-path-filter', what: 'exists( ... ) and the closing )', token: /^(exists\(|\))/ },
  { id: 'sqljson-path-variables', what: 'a PASSING variable $vN', token: /^\$v[1-9][0-9]*/ },
  {
    id: 'sqljson-path-quoted-member',
    what: '."name", every character but A-Z a-z 0-9 _ as \\uXXXX',
    token: /^\."(?:[A-Za-z0-9_]|\\u[0-9a-f]{4})*"/,
  },
  { id: 'sqljson-path-array-wildcard', what: '[*] every element', token: /^\[\*\]/ },
  { id: 'sqljson-path-type-method', what: 'the item method .type()', token: /^\.type\(\)/ },
  {
    id: 'sqljson-path-literals',
    what: 'the literals true, false, "" and the type names',
    token: /^(true|false|"(object|array|string|number|boolean|null|)")/,
  },
];

/** Every construct of a JSON_EXISTS path that the list does not hold (empty: it passes). */
export function checkJsonPath(path: string): string[] {
  let rest = path;
  while (rest.length > 0) {
    // The longest token any construct reads here ($v1 is a variable, not $ and then v1).
    const match = PATH_CONSTRUCTS.map((c) => c.token.exec(rest)?.[0] ?? '').reduce(
      (a, b) => (b.length > a.length ? b : a),
      '',
    );
    if (match === '') return [`path construct at "${rest.slice(0, 20)}" is not in the list`];
    rest = rest.slice(match.length);
  }
  return [];
}

/** The path literals of the JSON_EXISTS conditions in a statement. */
export function jsonExistsPaths(text: string): string[] {
  return [...text.matchAll(/JSON_EXISTS\(payload, '([^']*)'/gi)].map((m) => m[1] as string);
}

/** Everything the list names, for the check that docs/oracle.md cites each id. */
export function constructIds(): string[] {
  return [
    ...new Set([
      ...STATEMENT_KINDS.map((c) => c.id),
      ...Object.values(FUNCTIONS),
      ...COLUMN_TYPES.map((c) => c.id),
      ...JSON_TABLE_COLUMNS.map((c) => c.id),
      ...COLLECTION_ELEMENTS.map((c) => c.id),
      ...PHRASES.map((c) => c.id),
      ...PATH_CONSTRUCTS.map((c) => c.id),
    ]),
  ];
}

// Words that stand before "(" without being a function: syntax, types, and this schema's own
// tables and package procedures (their calls are checked as statements of their own).
const NOT_FUNCTIONS = new Set([
  'ADD',
  'AS',
  'IN',
  'VALUES',
  'KEY',
  'CHECK',
  'COLUMNS',
  'INTERVAL',
  'THAN',
  'RANGE',
  'AND',
  'OR',
  'ON',
  'RAW',
  'VARCHAR2',
  'NUMBER',
  'TIMESTAMP',
  'JSON',
  'WHERE',
  'SELECT',
  'IF',
  'EXISTS',
  // TYPE (STRICT) of JSON_EXISTS: a clause, not a function (a phrase of its own below).
  'TYPE',
  'RECORDS',
  'IDEMPOTENCY_KEYS',
  'SCHEMA_MIGRATIONS',
  'BULK_INSERT',
  'RECORDS_API_V1.BULK_INSERT',
]);

// Constructs without evidence, named so that the message says why.
const REFUSED: readonly [RegExp, string][] = [
  [/\bBULK COLLECT\b/, 'BULK COLLECT (into a collection) is not in the list'],
  [/\bFORALL\b/, 'FORALL is not in the list (no collection is bound)'],
  [/\bSEARCH INDEX\b|\bINDEXTYPE\b/, 'a domain index (ORA-14762 on the interval-partitioned table)'],
  [
    /\bDROP PARTITION\b(?![\s\S]*\bUPDATE INDEXES\b)/,
    'DROP PARTITION without UPDATE INDEXES marks the global index UNUSABLE',
  ],
  [
    /\bPARTITION BY (?!RANGE \(\w+\) INTERVAL \()/,
    'a partitioning scheme other than interval range is not in the list',
  ],
  [/\bSUBPARTITION\b/, 'subpartitions are not in the list'],
];

/** Comments removed, string literals blanked to '', whitespace collapsed, upper case. */
export function normalize(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase()
    .replace(/"\{\{PARTITION\}\}"/g, '"{{partition}}"');
}

/** The text between the "(" at open and its matching ")". */
function group(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced parentheses');
}

/** Splits on the commas that are not inside parentheses. */
function topLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '(') depth++;
    else if (list[i] === ')') depth--;
    else if (list[i] === ',' && depth === 0) {
      parts.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(list.slice(start).trim());
  return parts;
}

function columnTypeProblems(sql: string): string[] {
  const m = /^CREATE TABLE (IF NOT EXISTS )?\w+ \(/.exec(sql);
  if (!m) return [];
  const problems: string[] = [];
  for (const def of topLevel(group(sql, m[0].length - 1))) {
    if (def.startsWith('CONSTRAINT ')) continue;
    const type = def
      .replace(/^\w+ /, '')
      .replace(/ DEFAULT \S+/, '')
      .replace(/ NOT NULL$/, '')
      .trim();
    if (!COLUMN_TYPES.some((c) => c.type.test(type)))
      problems.push(`column type "${type}" is not in the list`);
  }
  return problems;
}

function jsonTableProblems(sql: string): string[] {
  const problems: string[] = [];
  for (const m of sql.matchAll(/\bJSON_TABLE\s*\(/g)) {
    const body = group(sql, (m.index ?? 0) + m[0].length - 1);
    const columns = /\bCOLUMNS \(/.exec(body);
    if (!columns) {
      problems.push('JSON_TABLE without a COLUMNS clause');
      continue;
    }
    for (const col of topLevel(group(body, columns.index + columns[0].length - 1))) {
      if (!JSON_TABLE_COLUMNS.some((f) => f.form.test(col))) {
        problems.push(`JSON_TABLE column "${col}" is not a form in the list`);
      }
    }
  }
  return problems;
}

function collectionProblems(sql: string): string[] {
  const problems: string[] = [];
  for (const m of sql.matchAll(/\bTYPE \w+ IS (TABLE OF|VARRAY|VARYING ARRAY)([^;]*);/g)) {
    const element = (m[2] ?? '').trim();
    if (m[1] !== 'TABLE OF' || !COLLECTION_ELEMENTS.some((c) => c.element.test(element))) {
      problems.push(`collection "${m[1]} ${element}" is not in the list`);
    }
  }
  return problems;
}

function functionProblems(sql: string): string[] {
  const problems: string[] = [];
  for (const m of sql.matchAll(/([A-Z_][A-Z0-9_$#]*(?:\.[A-Z_][A-Z0-9_$#]*)?)\s*\(/g)) {
    const name = m[1] as string;
    if (NOT_FUNCTIONS.has(name) || name in FUNCTIONS) continue;
    problems.push(`"${name}(" is not a function in the list`);
  }
  return problems;
}

function jsonExistsProblems(sql: string): string[] {
  const form = PHRASES.find((p) => p.id === 'json-exists-passing')!.phrase;
  const found = sql.match(/\bJSON_EXISTS\(/g)?.length ?? 0;
  const allowed = sql.match(new RegExp(form.source, 'g'))?.length ?? 0;
  return found === allowed ? [] : ['JSON_EXISTS in a form not in the list'];
}

/** Every construct of one statement that the list does not hold (empty: the statement passes). */
export function checkOracleStatement(text: string): string[] {
  const sql = normalize(text);
  const problems: string[] = [];
  if (!STATEMENT_KINDS.some((k) => k.start.test(sql)))
    problems.push(`statement kind "${sql.slice(0, 40)}" is not in the list`);
  for (const [re, why] of REFUSED) if (re.test(sql)) problems.push(why);
  problems.push(
    ...columnTypeProblems(sql),
    ...jsonTableProblems(sql),
    ...collectionProblems(sql),
    ...functionProblems(sql),
    ...jsonExistsProblems(sql),
  );
  return problems;
}
