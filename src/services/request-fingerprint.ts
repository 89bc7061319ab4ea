/**
 * The fingerprint of a keyed request: SHA-256 of the operation and a canonical form of the
 * parsed body, so that two requests are the same request exactly when they carry the same JSON
 * value. Members are written in the order of their names (by UTF-16 code units, as RFC 8785
 * orders them), without whitespace; each string is written by JSON.stringify from the parsed
 * value, and each number in the form the database stores it (docs/payload-numbers.md: `1E+2` is
 * `100`, `1.0` stays `1.0`). So member order, whitespace, escapes (`"\u0041"` is `"A"`) and an
 * exponent's spelling (`1e0`, `1`) do not matter; array order, types (`1` and `"1"`), a number's
 * stored digits (2^53 and 2^53 + 1, `1.0` and `1`) and every other value do.
 */
import { createHash } from 'node:crypto';
import { plainDecimal } from '../domain/json-numbers.js';
import { isExactNumber } from '../domain/json-value.js';

/** The JSON text of a value with every object's members in the order of their names. */
export function canonicalJson(value: unknown): string {
  // A number kept as its source text (it would change through a double), or one written with an
  // exponent: the digits the database stores.
  if (isExactNumber(value)) return plainDecimal(value.rawJSON);
  if (typeof value === 'number' && Number.isFinite(value)) {
    const text = JSON.stringify(value);
    return text.includes('e') ? plainDecimal(text) : text;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${members.join(',')}}`;
  }
  // Strings, numbers, booleans, null, and any value that writes itself (toJSON).
  return JSON.stringify(value) ?? 'null';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (
    (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** The fingerprint the store keeps: hex SHA-256 of the operation and the canonical body. */
export function requestFingerprint(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(body)).digest('hex');
}

/**
 * The fingerprint of the release before this one (the body as JSON.stringify wrote it, members
 * in the order they arrived): keys stored by it are honoured until they expire.
 */
export function previousFingerprint(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(JSON.stringify(body)).digest('hex');
}
