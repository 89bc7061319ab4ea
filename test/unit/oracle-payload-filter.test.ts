/**
 * payload_contains on Oracle (src/data/oracle/oracle-payload-filter.ts): one test per rule of the
 * translation from jsonb @> to a JSON_EXISTS path (docs/oracle.md, "Payload filters"), the binds
 * every value goes in, member names that cannot break out, the numbers Oracle cannot hold, and
 * the statement as sent (the construct list, the installed driver's parser). Then every case of
 * test/helpers/containment-cases.ts through a model of the path language's lax semantics as the
 * Oracle documentation describes them: the guards make the lax path answer what PostgreSQL does.
 */
import { createRequire } from 'node:module';
import { containingCall } from '../../src/data/oracle/oracle-range-query.js';
import {
  containsCondition,
  isSafePath,
  pathMemberName,
} from '../../src/data/oracle/oracle-payload-filter.js';
import { oracledb } from '../../src/data/oracle/oracle-database.js';
import { findOracleNumberProblem } from '../../src/data/oracle/oracle-json-numbers.js';
import { OracleSqlCatalog } from '../../src/data/oracle/oracle-sql.js';
import { parseJsonExact, type JsonObject, type JsonText } from '../../src/domain/json-value.js';
import { CONTAINMENT_CASES } from '../helpers/containment-cases.js';
import { checkJsonPath, checkOracleStatement, jsonExistsPaths } from './oracle-construct-rules.js';

const obj = (text: string) => parseJsonExact(text) as JsonObject;
/** A filter holding a number Oracle cannot keep: refused with 400 there (tested below). */
const refusedOnOracle = (text: string) => findOracleNumberProblem(obj(text)) !== undefined;
const pathOf = (condition: string) => /JSON_EXISTS\(payload, '([^']*)'/.exec(condition)![1]!;
const bindVals = (text: string) =>
  Object.values(containsCondition(obj(text)).binds).map((b) => [
    b.type === oracledb().DB_TYPE_NUMBER ? 'number' : 'varchar',
    b.val,
  ]);

describe('the rules of the translation, one each', () => {
  test('when the filter is {}, then the path is the payload itself: every payload contains it', () => {
    expect(containsCondition({})).toEqual({
      condition: "JSON_EXISTS(payload, '$' TYPE (STRICT))",
      binds: {},
    });
  });

  test('when the filter is an object, then each member is a condition on the quoted member, joined by &&', () => {
    expect(pathOf(containsCondition(obj('{"a":1,"b":"x"}')).condition)).toBe(
      '$?(@."a".type() == "number" && @."a" == $v1 && @."b".type() == "string" && @."b" == $v2)',
    );
  });

  test('when a member holds an object, then its type is checked and its members are conditions on the deeper path', () => {
    expect(pathOf(containsCondition(obj('{"a":{"b":{"c":true}}}')).condition)).toBe(
      '$?(@."a".type() == "object" && @."a"."b".type() == "object" && @."a"."b"."c".type() == "boolean" && @."a"."b"."c" == true)',
    );
  });

  test('when a member holds an array, then its type is checked and each element must match some element (exists over [*])', () => {
    expect(pathOf(containsCondition(obj('{"t":["x",{"k":2},[3]]}')).condition)).toBe(
      '$?(@."t".type() == "array"' +
        ' && exists(@."t"[*]?(@.type() == "string" && @ == $v1))' +
        ' && exists(@."t"[*]?(@.type() == "object" && @."k".type() == "number" && @."k" == $v2))' +
        ' && exists(@."t"[*]?(@.type() == "array" && exists(@[*]?(@.type() == "number" && @ == $v3)))))',
    );
  });

  test('when a value is a string, then it is a VARCHAR2 bind compared as a string', () => {
    expect(bindVals('{"s":"abc"}')).toEqual([['varchar', 'abc']]);
  });

  test('when a value is a number, then it is a NUMBER bind of its value, whatever its spelling', () => {
    expect(bindVals('{"a":1.0,"b":1e2,"c":-0.5,"d":9007199254740992}')).toEqual([
      ['number', 1],
      ['number', 100],
      ['number', -0.5],
      ['number', 9007199254740992],
    ]);
  });

  test('when a value is true or false, then it is the literal, after a boolean type check', () => {
    expect(pathOf(containsCondition(obj('{"t":true,"f":false}')).condition)).toBe(
      '$?(@."t".type() == "boolean" && @."t" == true && @."f".type() == "boolean" && @."f" == false)',
    );
  });

  test('when a value is null, then the member must be there and be null', () => {
    expect(pathOf(containsCondition(obj('{"n":null}')).condition)).toBe('$?(@."n".type() == "null")');
  });

  test('when a nested value is an empty object or an empty array, then only its type is checked', () => {
    expect(pathOf(containsCondition(obj('{"o":{},"a":[]}')).condition)).toBe(
      '$?(@."o".type() == "object" && @."a".type() == "array")',
    );
  });

  test('when a value is the empty string, then it is the literal "" (Oracle would bind it as NULL, which equals nothing)', () => {
    const { condition, binds } = containsCondition(obj('{"s":""}'));
    expect(pathOf(condition)).toBe('$?(@."s".type() == "string" && @."s" == "")');
    expect(binds).toEqual({});
  });

  test('when there are values, then PASSING binds each under its variable, in order, and TYPE (STRICT) ends the condition', () => {
    const { condition, binds } = containsCondition(obj('{"a":"x","b":[2,"y"]}'));
    expect(condition).toMatch(/' PASSING :pc1 AS "v1", :pc2 AS "v2", :pc3 AS "v3" TYPE \(STRICT\)\)$/);
    expect(Object.keys(binds)).toEqual(['pc1', 'pc2', 'pc3']);
  });
});

describe('nothing a client sends is written into the path but a member name, escaped', () => {
  test.each([
    ['a dotted name', 'a.b', '"a\\u002eb"'],
    ['quotes', 'q"uote', '"q\\u0022uote"'],
    ['$ and @', '$v1@', '"\\u0024v1\\u0040"'],
    [
      'a SQL quote and a comment',
      "x'); DROP TABLE records; --",
      '"x\\u0027\\u0029\\u003b\\u0020DROP\\u0020TABLE\\u0020records\\u003b\\u0020\\u002d\\u002d"',
    ],
    ['a backslash', 'a\\u0041', '"a\\u005cu0041"'],
    ['letters beyond ASCII, and an emoji as its two UTF-16 units', 'é😀', '"\\u00e9\\ud83d\\ude00"'],
    ['the empty name', '', '""'],
  ])(
    'when a member name holds %s, then it is quoted with every other character escaped',
    (_what, key, written) => {
      expect(pathMemberName(key)).toBe(`.${written}`.slice(1));
      const { condition } = containsCondition({ [key]: 1 });
      expect(pathOf(condition)).toBe(`$?(@.${written}.type() == "number" && @.${written} == $v1)`);
      expect(condition.split("'")).toHaveLength(3);
    },
  );

  test('when values hold quotes, $, @, path syntax or SQL, then the path is the same as for any other value', () => {
    const plain = pathOf(containsCondition({ a: 'x', n: 1 }).condition);
    for (const hostile of ["'); DROP TABLE records; --", '$v2 || @', '") && exists(@.x', ':pc1']) {
      const { condition, binds } = containsCondition({ a: hostile, n: 1 });
      expect(pathOf(condition)).toBe(plain);
      expect(binds.pc1?.val).toBe(hostile);
    }
  });

  test('when a path holds anything but the tokens the rules write, then isSafePath refuses it', () => {
    expect(isSafePath('$?(@."a".type() == "number" && @."a" == $v1)')).toBe(true);
    for (const bad of [
      '$?(@."a" == \'x\')',
      '$?(@.a == 1)',
      '$.a',
      '$?(@."a" > $v1)',
      '$?(@."a" == $v1) || true',
      ':b',
    ]) {
      expect([bad, isSafePath(bad)]).toEqual([bad, false]);
    }
  });
});

describe('numbers Oracle Database cannot hold', () => {
  test.each([
    ['more digits than a double carries', '{"n":18446744073709551615}', '/n'],
    ['beyond NUMBER', '{"a":[1e200]}', '/a/0'],
    ['39 significant digits', '{"x":{"y":1.00000000000000000000000000000000000001}}', '/x/y'],
  ])(
    'when a filter holds a number %s, then 400 unsupported-json-value names it in payload_contains',
    (_what, text, pointer) => {
      expect(() => containsCondition(obj(text))).toThrow(
        expect.objectContaining({
          status: 400,
          spec: expect.objectContaining({ code: 'DAPI-4004' }),
          errors: [
            expect.objectContaining({
              location: 'query',
              pointer: 'payload_contains',
              detail: expect.stringContaining(pointer),
            }),
          ],
        }),
      );
    },
  );
});

describe('the statement as sent', () => {
  const { Statement } = createRequire(import.meta.url)('oracledb/lib/thin/statement.js') as {
    Statement: new () => {
      _prepare(sql: string): void;
      bindInfoDict: Map<string, unknown>;
      isQuery: boolean;
    };
  };
  const template = OracleSqlCatalog.load().get('listRecordsContaining');
  const AT = new Date('2026-01-02T03:04:05.678Z');

  test.each(CONTAINMENT_CASES.map((c) => [c.why, c.filter]))(
    'when the filter of "%s" is made a statement, then it uses listed constructs only, its path listed path constructs only, and the driver binds exactly its binds',
    (_why, filter) => {
      const value = obj(filter);
      if (refusedOnOracle(filter)) return expect(() => containsCondition(value)).toThrow(/DAPI-4004/);
      const call = containingCall(template, {
        userId: 'u1',
        limit: 20,
        createdAfter: null,
        createdBefore: AT,
        after: null,
        contains: { filter: { value, text: filter as JsonText }, floor: null },
      });
      expect(checkOracleStatement(call.stmt.text)).toEqual([]);
      const paths = jsonExistsPaths(call.stmt.text);
      expect(paths).toHaveLength(1);
      expect(checkJsonPath(paths[0]!)).toEqual([]);
      const parsed = new Statement();
      parsed._prepare(call.stmt.text);
      expect(parsed.isQuery).toBe(true);
      expect([...parsed.bindInfoDict.keys()].map((k) => k.toLowerCase()).sort()).toEqual(
        Object.keys(call.binds).sort(),
      );
      expect(call.stmt.text).not.toContain('{{');
    },
  );

  test('when the path is the bare payload ($), then the statement holds it as written (no $-pattern of String.replace)', () => {
    const call = containingCall(template, {
      userId: 'u1',
      limit: 1,
      createdAfter: null,
      createdBefore: null,
      after: null,
      contains: { filter: { value: {}, text: '{}' as JsonText }, floor: null },
    });
    expect(call.stmt.text).toContain("AND JSON_EXISTS(payload, '$' TYPE (STRICT))\nORDER BY");
  });
});

/**
 * A model of SQL/JSON path evaluation in lax mode, as the Oracle JSON Developer's Guide describes
 * it (docs/oracle.md, "Payload filters"): a member step on an array applies to its elements; [*]
 * on a non-array takes the value itself; a comparison unwraps arrays; type() names the value it
 * is applied to, arrays included; comparisons are by JSON type and value (TYPE (STRICT)). A
 * model, not Oracle: what it assumes is listed as unverified in docs/oracle.md.
 */
type Item = unknown;
type Step = { member: string } | { wildcard: true } | { type: true } | { filter: Cond };
type Operand = { path: Step[] } | { value: Item } | { variable: string };
type Pred = { exists: Step[] } | { left: Operand; right: Operand };
type Cond = Pred[];

/** Reads a path of the subset the translation writes into its parts. */
function parsePath(path: string): Cond | null {
  let at = 0;
  const eat = (token: string) => {
    if (!path.startsWith(token, at)) throw new Error(`expected ${token} at ${path.slice(at)}`);
    at += token.length;
  };
  const steps = (): Step[] => {
    const out: Step[] = [];
    for (;;) {
      const m = /^\."((?:[A-Za-z0-9_]|\\u[0-9a-f]{4})*)"/.exec(path.slice(at));
      if (m) {
        at += m[0].length;
        out.push({ member: JSON.parse(`"${m[1]}"`) as string });
      } else if (path.startsWith('[*]', at)) {
        at += 3;
        out.push({ wildcard: true });
      } else if (path.startsWith('.type()', at)) {
        at += 7;
        out.push({ type: true });
      } else if (path.startsWith('?(', at)) {
        at += 2;
        out.push({ filter: cond() });
        eat(')');
      } else return out;
    }
  };
  const operand = (): Operand => {
    if (path.startsWith('@', at)) {
      at += 1;
      return { path: steps() };
    }
    const m = /^(\$v\d+|true|false|"[a-z]*")/.exec(path.slice(at))!;
    at += m[0].length;
    if (m[0].startsWith('$v')) return { variable: m[0].slice(1) };
    return { value: m[0] === 'true' ? true : m[0] === 'false' ? false : JSON.parse(m[0]) };
  };
  const pred = (): Pred => {
    if (path.startsWith('exists(', at)) {
      at += 7;
      eat('@');
      const p = steps();
      eat(')');
      return { exists: p };
    }
    const left = operand();
    eat(' == ');
    return { left, right: operand() };
  };
  const cond = (): Cond => {
    const all = [pred()];
    while (path.startsWith(' && ', at)) {
      at += 4;
      all.push(pred());
    }
    return all;
  };
  eat('$');
  if (at === path.length) return null;
  eat('?(');
  const c = cond();
  eat(')');
  if (at !== path.length) throw new Error(`unread path: ${path.slice(at)}`);
  return c;
}

const typeName = (v: Item) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

/** Evaluates a parsed path on a payload: true when JSON_EXISTS would be. */
function evaluate(path: string, payload: Item, vars: Record<string, Item>): boolean {
  const parsed = parsePath(path);
  if (parsed === null) return true;
  const walk = (items: Item[], steps: Step[]): Item[] => {
    for (const step of steps) {
      if ('member' in step) {
        const member = (v: Item) =>
          typeName(v) === 'object' && Object.prototype.hasOwnProperty.call(v, step.member)
            ? [(v as Record<string, Item>)[step.member]]
            : [];
        // Lax: a member step on an array is taken on its elements.
        items = items.flatMap((v) => (Array.isArray(v) ? v.flatMap(member) : member(v)));
      } else if ('wildcard' in step) {
        // Lax: [*] on a value that is not an array takes the value itself.
        items = items.flatMap((v) => (Array.isArray(v) ? v : [v]));
      } else if ('type' in step) {
        items = items.map(typeName);
      } else {
        items = items.filter((v) => holds(step.filter, v));
      }
    }
    return items;
  };
  const values = (o: Operand, current: Item): Item[] => {
    if ('variable' in o) return [vars[o.variable]];
    if ('value' in o) return [o.value];
    // Lax: a comparison takes the elements of an array.
    return walk([current], o.path).flatMap((v) => (Array.isArray(v) ? v : [v]));
  };
  // TYPE (STRICT): equal only within one JSON type, never by casting.
  const equal = (a: Item, b: Item) => typeName(a) === typeName(b) && typeof a !== 'object' && a === b;
  const holds = (c: Cond, current: Item): boolean =>
    c.every((p) =>
      'exists' in p
        ? walk([current], p.exists).length > 0
        : values(p.left, current).some((l) => values(p.right, current).some((r) => equal(l, r))),
    );
  return holds(parsed, payload);
}

describe('every case, through the model of lax SQL/JSON paths', () => {
  test.each(CONTAINMENT_CASES.map((c) => [c.why, c]))(
    'when the case "%s" is evaluated, then the translated path answers what PostgreSQL does',
    (_why, c) => {
      const filter = obj(c.filter);
      if (refusedOnOracle(c.filter)) return expect(() => containsCondition(filter)).toThrow(/DAPI-4004/);
      const { condition, binds } = containsCondition(filter);
      const vars = Object.fromEntries(Object.entries(binds).map(([name, b]) => [`v${name.slice(2)}`, b.val]));
      // Oracle reads stored numbers back through a double, as the payload was written (docs/oracle.md).
      const payload = JSON.parse(c.payload) as Item;
      expect(evaluate(pathOf(condition), payload, vars)).toBe(c.contains);
    },
  );

  test('when the type checks are left out, then the lax path would find a scalar inside an array, where containment does not', () => {
    // The check that guards against it: without ".type() == \"string\"", @."t" == $v1 unwraps ["x"].
    expect(evaluate('$?(@."t" == $v1)', { t: ['x'] }, { v1: 'x' })).toBe(true);
    expect(evaluate(pathOf(containsCondition({ t: 'x' }).condition), { t: ['x'] }, { v1: 'x' })).toBe(false);
  });
});
