/**
 * Every statement in sql/oracle against the documented list of constructs
 * (oracle-construct-rules.ts, cited in docs/oracle.md under the same ids), and against the
 * installed node-oracledb's own Thin statement parser: the statement types, bind names and the
 * DML RETURNING rule (NJS-149) are the driver's, not assumed. The defects this list exists
 * against are fed to it and must be refused, so that the check cannot pass by accepting anything.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { loadOracleMigrations, loadOraclePackages } from '../../src/data/oracle/oracle-migrations.js';
import { OracleSqlCatalog, type OracleStatement } from '../../src/data/oracle/oracle-sql.js';
import { checkOracleStatement, constructIds } from './oracle-construct-rules.js';

interface DriverStatement {
  _prepare(sql: string): void;
  isQuery: boolean;
  isPlSql: boolean;
  isDml: boolean;
  isDdl: boolean;
  isReturning: boolean;
  bindInfoDict: Map<string, unknown>;
}
const { Statement } = createRequire(import.meta.url)('oracledb/lib/thin/statement.js') as {
  Statement: new () => DriverStatement;
};

const catalog = OracleSqlCatalog.load();
const queries: OracleStatement[] = catalog.names().map((n) => catalog.get(n));
const scripts: OracleStatement[] = [...loadOracleMigrations(), ...loadOraclePackages()].flatMap(
  (s) => s.statements,
);
const all = [...queries, ...scripts];

describe('the Oracle constructs in use', () => {
  test('when every statement of sql/oracle is read, then each uses only constructs in the documented list', () => {
    expect(all.length).toBeGreaterThan(25);
    for (const st of all) expect([st.name, checkOracleStatement(st.text)]).toEqual([st.name, []]);
  });

  test('when docs/oracle.md is read, then its evidence table cites every construct of the list', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'oracle.md'), 'utf8');
    const at = doc.indexOf('\n## Evidence\n');
    expect(at).toBeGreaterThan(0);
    const table = doc.slice(at);
    for (const id of constructIds()) expect([id, table.includes(`\`${id}\``)]).toEqual([id, true]);
  });
});

describe('the list refuses what has no evidence', () => {
  test.each([
    [
      'a PL/SQL collection of JSON, filled by BULK COLLECT and inserted with FORALL',
      `CREATE OR REPLACE PACKAGE BODY p AS
         TYPE payload_tab IS TABLE OF JSON INDEX BY PLS_INTEGER;
         PROCEDURE x IS l payload_tab; BEGIN
           SELECT jt.doc BULK COLLECT INTO l FROM JSON_TABLE(:p, '$[*]' COLUMNS (doc JSON FORMAT JSON PATH '$')) jt;
           FORALL i IN 1 .. l.COUNT INSERT INTO records (payload) VALUES (l(i));
         END x;
       END p;`,
      ['collection "TABLE OF JSON INDEX BY PLS_INTEGER" is not in the list', 'BULK COLLECT', 'FORALL'],
    ],
    [
      'a JSON_TABLE column returning JSON without FORMAT JSON',
      "SELECT jt.doc FROM JSON_TABLE(:p, '$[*]' COLUMNS (ord FOR ORDINALITY, doc JSON PATH '$')) jt",
      ['JSON_TABLE column "DOC JSON PATH \'\'" is not a form in the list'],
    ],
    [
      'a JSON search index (a domain index) on the interval-partitioned table',
      'CREATE SEARCH INDEX records_payload_search_idx ON records (payload) FOR JSON',
      ['statement kind', 'domain index'],
    ],
    [
      'a DROP PARTITION that leaves the global index unusable',
      'ALTER TABLE records DROP PARTITION "{{partition}}"',
      ['statement kind', 'UPDATE INDEXES'],
    ],
    [
      'the JSON_VALUE type() check that JSON (OBJECT) replaced',
      "CREATE TABLE t (payload JSON NOT NULL, CONSTRAINT c CHECK (JSON_VALUE(payload, '$.type()') = 'object'))",
      ['"JSON_VALUE(" is not a function in the list'],
    ],
    [
      'a column type not in the list',
      'CREATE TABLE t (doc CLOB NOT NULL)',
      ['column type "CLOB" is not in the list'],
    ],
    [
      'another partitioning scheme',
      'CREATE TABLE t (id RAW(16)) PARTITION BY HASH (id) PARTITIONS 8',
      ['partitioning scheme'],
    ],
    [
      'a function not in the list',
      'SELECT DBMS_RANDOM.VALUE() FROM dual',
      ['"DBMS_RANDOM.VALUE(" is not a function'],
    ],
  ])('when a statement has %s, then it is refused', (_what, sql, expected) => {
    const problems = checkOracleStatement(sql);
    for (const e of expected) expect(problems.some((p) => p.includes(e))).toBe(true);
  });
});

describe("the installed driver's parser on every statement", () => {
  test('when each statement is prepared by node-oracledb Thin, then none trips NJS-149 and its binds are the ones the code binds', () => {
    for (const st of queries) {
      const parsed = new Statement();
      expect(() => parsed._prepare(st.text)).not.toThrow();
      const names = [...parsed.bindInfoDict.keys()].map((k) => k.toLowerCase()).sort();
      expect([st.name, names]).toEqual([st.name, [...st.binds].sort()]);
    }
  });

  test('when a statement is classified by the driver, then PL/SQL blocks, queries, DML and DDL are what the catalog says', () => {
    const kind = (st: OracleStatement) => {
      const p = new Statement();
      p._prepare(st.text);
      return p.isPlSql ? 'plsql' : p.isQuery ? 'query' : p.isDml ? 'dml' : p.isDdl ? 'ddl' : 'other';
    };
    expect(kind(catalog.get('bulkInsertRecords'))).toBe('plsql');
    expect(kind(catalog.get('claimIdempotencyKey'))).toBe('plsql');
    expect(kind(catalog.get('listRecordsByUserBetween'))).toBe('query');
    expect(kind(catalog.get('completeIdempotencyKey'))).toBe('dml');
    expect(kind(catalog.get('dropRecordPartition'))).toBe('ddl');
    for (const st of scripts) expect([st.name, kind(st)]).toEqual([st.name, 'ddl']);
  });

  test('when a placeholder is used both before and after RETURNING, then the driver refuses it (NJS-149), and not otherwise', () => {
    const prepare = (sql: string) => () => new Statement()._prepare(sql);
    expect(prepare('UPDATE t SET a = :v WHERE b = :v RETURNING a INTO :out')).not.toThrow();
    expect(prepare('UPDATE t SET a = :v RETURNING a INTO :v')).toThrow(/NJS-149/);
    for (const name of ['insertRecord', 'updateRecordPayload', 'deleteRecord']) {
      const p = new Statement();
      p._prepare(catalog.get(name).text);
      expect([name, p.isReturning]).toEqual([name, true]);
    }
  });
});
