/**
 * payload_contains on Oracle Database: PostgreSQL's jsonb containment (`payload @> filter`) as
 * one JSON_EXISTS condition. The path is made from the filter's shape only; every string and
 * number of the filter goes to Oracle as a bind, passed to the path with PASSING, never written
 * into it. What the path holds besides: member names, each written in double quotes with every
 * character but A-Z a-z 0-9 _ as a \uXXXX escape (so nothing a client sends can end the name,
 * the path or the SQL literal), and the literals true, false, "" and the type names, chosen by
 * code. The rules, one per JSON kind (docs/oracle.md, "Payload filters"; one unit test each):
 *
 *   object {k: v, ...}  every member: the value at ."k" satisfies v's rule
 *   {} (nested)         .type() == "object"
 *   array [e, ...]      .type() == "array", and for each e: exists([*]?(e's rule on @))
 *   [] (nested)         .type() == "array"
 *   string s            .type() == "string" && == $vN (VARCHAR2 bind); "" as the literal ""
 *   number n            .type() == "number" && == $vN (NUMBER bind)
 *   true / false        .type() == "boolean" && == true / false
 *   null                .type() == "null"
 *
 * Each step is guarded by the type it expects: Oracle's path language is lax, so a member step
 * on an array would go into its elements and a comparison with an array would compare its
 * elements, where containment wants the value itself. TYPE (STRICT) keeps a comparison from
 * casting ("1" is not 1). The top level is the payload, always an object (JSON (OBJECT)), so the
 * filter {} is the plain path '$'.
 */
import { AppError } from '../../domain/errors.js';
import { isExactNumber, type JsonObject, type JsonValue } from '../../domain/json-value.js';
import { oracledb, type OracleBinds } from './oracle-database.js';
import { findOracleNumberProblem } from './oracle-json-numbers.js';

export interface OracleContains {
  /** The condition that takes the statement's {{payload_contains}} slot. */
  condition: string;
  /** Its binds: :pc1 ... in the order of the path's variables $v1 ... */
  binds: OracleBinds;
}

/** A member name in the path: quoted, every character but A-Z a-z 0-9 _ as \uXXXX. */
export function pathMemberName(key: string): string {
  let out = '"';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const plain = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    out += plain ? key[i] : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** What the path may hold: the tokens of the rules above, and nothing else (no quote of SQL). */
const PATH_TOKEN =
  /\$v[1-9][0-9]*|\$|@|\.type\(\)|\."(?:[A-Za-z0-9_]|\\u[0-9a-f]{4})*"|\[\*\]|\?\(|exists\(|\)| == | && |"(?:object|array|string|number|boolean|null|)"|true|false/y;

/** True when `path` is made only of the tokens the rules write. */
export function isSafePath(path: string): boolean {
  PATH_TOKEN.lastIndex = 0;
  while (PATH_TOKEN.lastIndex < path.length) {
    const at = PATH_TOKEN.lastIndex;
    if (!PATH_TOKEN.test(path) || PATH_TOKEN.lastIndex === at) return false;
  }
  return true;
}

class PathBuilder {
  readonly binds: OracleBinds = {};
  private n = 0;

  private variable(bind: OracleBinds[string]): string {
    this.n += 1;
    this.binds[`pc${this.n}`] = bind;
    return `$v${this.n}`;
  }

  /** The passing clause: each bind under its path variable's name. */
  passing(): string {
    const names = Object.keys(this.binds);
    return names.length === 0 ? '' : ` PASSING ${names.map((b) => `:${b} AS "v${b.slice(2)}"`).join(', ')}`;
  }

  /** The conditions for the members of an object at `at` (the caller checked it is one). */
  members(at: string, value: JsonObject): string[] {
    return Object.entries(value).map(([key, v]) => this.value(`${at}.${pathMemberName(key)}`, v));
  }

  /** The condition that the value at `at` contains `v`. */
  value(at: string, v: JsonValue): string {
    if (v === null) return `${at}.type() == "null"`;
    if (v === true || v === false) return `${at}.type() == "boolean" && ${at} == ${v}`;
    if (typeof v === 'string') {
      // Oracle binds '' as NULL, which equals nothing: the empty string is the literal "".
      if (v === '') return `${at}.type() == "string" && ${at} == ""`;
      return `${at}.type() == "string" && ${at} == ${this.variable({ type: oracledb().DB_TYPE_VARCHAR, val: v })}`;
    }
    if (typeof v === 'number' || isExactNumber(v)) {
      const val = typeof v === 'number' ? v : Number(v.rawJSON);
      return `${at}.type() == "number" && ${at} == ${this.variable({ type: oracledb().DB_TYPE_NUMBER, val })}`;
    }
    if (Array.isArray(v)) {
      const elements = v.map((e) => `exists(${at}[*]?(${this.value('@', e)}))`);
      return [`${at}.type() == "array"`, ...elements].join(' && ');
    }
    return [`${at}.type() == "object"`, ...this.members(at, v)].join(' && ');
  }
}

/**
 * The JSON_EXISTS condition for a payload filter, or a 400 when the filter holds a number this
 * backend cannot store exactly (it could match no payload: docs/oracle.md, "JSON numbers").
 */
export function containsCondition(filter: JsonObject): OracleContains {
  const problem = findOracleNumberProblem(filter);
  if (problem) {
    const where = problem.pointer === '' ? 'the filter' : `${problem.pointer} of the filter`;
    throw new AppError('unsupportedJsonValue', {
      detail: `payload_contains: the value at ${where} ${problem.detail}.`,
      errors: [{ location: 'query', pointer: 'payload_contains', detail: `${where} ${problem.detail}` }],
    });
  }
  const builder = new PathBuilder();
  const conditions = builder.members('@', filter);
  const path = conditions.length === 0 ? '$' : `$?(${conditions.join(' && ')})`;
  if (!isSafePath(path)) throw new Error('a payload filter path holds a token its rules never write');
  return {
    condition: `JSON_EXISTS(payload, '${path}'${builder.passing()} TYPE (STRICT))`,
    binds: builder.binds,
  };
}
