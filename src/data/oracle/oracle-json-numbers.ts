/**
 * Which payload numbers Oracle Database keeps exactly, and the payload as this adapter hands it
 * to node-oracledb and reads it back. A number Oracle cannot keep as it was sent is refused with
 * 400 and a pointer to it, never stored altered (docs/oracle.md, "JSON numbers").
 *
 * Oracle's JSON type holds a number as a NUMBER or a BINARY_DOUBLE. NUMBER, per the Oracle
 * Database SQL Language Reference (23ai), "Data Types", NUMBER Data Type
 * (https://docs.oracle.com/en/database/oracle/oracle-database/23/sqlrf/Data-Types.html): zero
 * and absolute values "from 1.0 x 10^-130 to but not including 1.0 x 10^126", precision up to 38
 * significant decimal digits (the Database Reference, "Datatype Limits": "38 significant
 * digits"; NUMBER may hold 39 or 40 digits for some values, 38 is what Oracle guarantees).
 * BINARY_DOUBLE holds exactly the IEEE 754 doubles.
 *
 * This adapter binds a payload as DB_TYPE_JSON from a JavaScript value: node-oracledb 26 encodes
 * every JavaScript number as a NUMBER from its shortest decimal (lib/impl/datahandlers/oson.js,
 * encodeNode: writeOracleNumber(value.toString())) and decodes a NUMBER with parseFloat, so a
 * number passes through a double on the way in and out. A number is kept when NUMBER holds it
 * and the double on that way has its value; anything else would be changed on the way, so it is
 * refused. The BINARY_DOUBLE kind is named by the rule but this adapter never writes one.
 */
import { AppError } from '../../domain/errors.js';
import { numberParts } from '../../domain/json-numbers.js';
import {
  isExactNumber,
  parseJsonExact,
  type JsonObject,
  type JsonText,
  type JsonValue,
} from '../../domain/json-value.js';

/** Significant digits Oracle guarantees a NUMBER keeps. */
export const ORACLE_NUMBER_DIGITS = 38;

/** How Oracle's JSON type could hold a number exactly: as a NUMBER, as a BINARY_DOUBLE, or not. */
export type OracleNumberKind = 'number' | 'binary-double' | 'none';

interface Significant {
  negative: boolean;
  zero: boolean;
  /** The digits from the first to the last non-zero one. */
  digits: string;
  /** The power of ten of the first digit (123.4: 2; 0.05: −2). */
  order: number;
}

function significant(text: string): Significant {
  const p = numberParts(text);
  const lead = p.digits.length - p.digits.replace(/^0+/, '').length;
  const digits = p.digits.slice(lead).replace(/0+$/, '');
  // The first significant digit is the (lead+1)-th of `digits`; the point sits after
  // digits.length − fractionLength of them, moved by the exponent.
  const order = p.digits.length - p.fractionLength + p.exponent - lead - 1;
  return { negative: p.negative, zero: p.zero, digits, order };
}

/** True when the text's value is exactly an IEEE 754 double (finite), compared as integers. */
export function isExactDouble(text: string): boolean {
  const d = Math.abs(Number(text));
  if (!Number.isFinite(d)) return false;
  const p = numberParts(text);
  if (p.zero || d === 0) return p.zero;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  const twos = (biased === 0 ? 1 : biased) - 1075;
  const tens = p.exponent - p.fractionLength;
  // digits × 10^tens = mantissa × 2^twos, each side brought to integers.
  let left = BigInt(p.digits);
  let right = mantissa;
  if (tens >= 0) left *= 10n ** BigInt(tens);
  else right *= 10n ** BigInt(-tens);
  if (twos >= 0) right <<= BigInt(twos);
  else left <<= BigInt(-twos);
  return left === right;
}

/** Whether and how Oracle's JSON type holds the number written as `text` exactly. */
export function oracleNumberKind(text: string): OracleNumberKind {
  const s = significant(text);
  if (s.zero) return 'number';
  // No digit below 10^-130: NUMBER's smallest unit (1.5e-130 needs a digit at 10^-131).
  const last = s.order - s.digits.length + 1;
  if (s.digits.length <= ORACLE_NUMBER_DIGITS && last >= -130 && s.order <= 125) return 'number';
  return isExactDouble(text) ? 'binary-double' : 'none';
}

function sameValue(a: Significant, b: Significant): boolean {
  if (a.zero || b.zero) return a.zero === b.zero;
  return a.negative === b.negative && a.order === b.order && a.digits === b.digits;
}

/**
 * Why this adapter cannot store the number written as `text` exactly in Oracle, or undefined.
 * Kept: what NUMBER holds and node-oracledb's double carries (0.1, 1.50 as 1.5, -0 as 0, 2^53).
 */
export function oracleNumberProblem(text: string): string | undefined {
  const s = significant(text);
  const kind = oracleNumberKind(text);
  if (kind === 'none' && s.digits.length > ORACLE_NUMBER_DIGITS) {
    return `is a number of ${s.digits.length} significant digits; Oracle Database NUMBER keeps ${ORACLE_NUMBER_DIGITS}`;
  }
  if (kind !== 'number') {
    return 'is a number outside the range Oracle Database NUMBER keeps (1e-130 to 1e126)';
  }
  if (!sameValue(significant(String(Number(text))), s)) {
    return (
      `is a number of ${s.digits.length} significant digits, more than the Oracle Database ` +
      'driver carries exactly (it passes JSON numbers as doubles: 15 to 17 digits)'
    );
  }
  return undefined;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The first number of the value Oracle cannot keep: its pointer and why. */
export function findOracleNumberProblem(root: JsonValue): { pointer: string; detail: string } | undefined {
  const stack: { value: JsonValue; pointer: string }[] = [{ value: root, pointer: '' }];
  while (stack.length > 0) {
    const { value, pointer } = stack.pop() as { value: JsonValue; pointer: string };
    let text: string | undefined;
    if (typeof value === 'number') text = String(value);
    else if (isExactNumber(value)) text = value.rawJSON;
    if (text !== undefined) {
      const detail = oracleNumberProblem(text);
      if (detail) return { pointer, detail };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i] as JsonValue, pointer: `${pointer}/${i}` });
    } else if (typeof value === 'object' && value !== null) {
      const members = Object.entries(value as JsonObject).reverse();
      for (const [key, child] of members) stack.push({ value: child, pointer: `${pointer}/${escapePointer(key)}` });
    }
  }
  return undefined;
}

/**
 * Checks a payload for Oracle and returns it as Oracle will give it back (each number in its
 * double's shortest form: 1.50 is 1.5, 1E+2 is 100), so a write answers what a read will.
 * `pointer` is where the payload sits in the request body (/payload, /items/3/payload).
 */
export function oraclePayload(text: JsonText, pointer: string): JsonText {
  const found = findOracleNumberProblem(parseJsonExact(text) as JsonValue);
  if (found) {
    const at = `${pointer}${found.pointer}`;
    throw new AppError('unsupportedJsonValue', {
      detail: `The value at ${at} ${found.detail}.`,
      errors: [{ location: 'body', pointer: at, detail: found.detail }],
    });
  }
  return JSON.stringify(JSON.parse(text)) as JsonText;
}

/** The value node-oracledb binds as DB_TYPE_JSON; exact for a payload oraclePayload passed. */
export function oracleJsonValue(text: JsonText): JsonObject {
  return JSON.parse(text) as JsonObject;
}

/** A fetched payload (node-oracledb decodes the JSON column to a JavaScript object) as text. */
export function oraclePayloadText(value: JsonObject): JsonText {
  return JSON.stringify(value) as JsonText;
}
