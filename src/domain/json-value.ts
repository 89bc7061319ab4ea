/**
 * JSON values and the checks a stored JSON value must pass, shared by api and services.
 *
 * Payload numbers never go through a double: a number JSON.parse would change (2^53 + 1, 1.0,
 * 0.1000000000000000055511151231257827) is kept as its source text in a JSON.rawJSON value,
 * which JSON.stringify writes back as it is. Stored payloads travel as JSON text (JsonText).
 * docs/payload-numbers.md.
 */
import {
  doubleKeepsText,
  numberProblem,
  numberTokenAt,
  storedGrowth,
  type NumberLimits,
} from './json-numbers.js';

declare global {
  interface JSON {
    /** JSON.parse with the source text of each primitive (ES2026; Node.js 21 and later). */
    parse(
      text: string,
      reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown,
    ): unknown;
    /** A value JSON.stringify writes as this JSON text (a primitive's text only). */
    rawJSON(text: string): ExactNumber;
    isRawJSON(value: unknown): boolean;
  }
}

/** A number kept as the text the client sent (a frozen JSON.rawJSON object). */
export interface ExactNumber {
  readonly rawJSON: string;
}

export type JsonValue = null | boolean | number | ExactNumber | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

declare const jsonTextBrand: unique symbol;
/**
 * The JSON text of a payload (an object) with every number as its digits: what the services hand
 * to a repository and what a repository gives back, spliced into answers without a parse.
 */
export type JsonText = string & { readonly [jsonTextBrand]: true };

export function isExactNumber(value: unknown): value is ExactNumber {
  return JSON.isRawJSON(value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !JSON.isRawJSON(value);
}

/** The text of a payload: JSON.stringify writes every exact number as its digits. */
export function jsonTextOf(value: JsonObject): JsonText {
  return JSON.stringify(value) as JsonText;
}

function keepNumberText(_key: string, value: unknown, context: { source?: string }): unknown {
  if (typeof value !== 'number' || context.source === undefined) return value;
  return doubleKeepsText(context.source) ? value : JSON.rawJSON(context.source);
}

/**
 * JSON.parse without changing a number: one that a double would change comes back as an
 * ExactNumber. `inexact` false says the caller checked every number token keeps its text as a
 * double (json-body's scan), so the faster plain parse gives the same value.
 */
export function parseJsonExact(text: string, inexact = hasInexactNumber(text)): unknown {
  return inexact ? JSON.parse(text, keepNumberText) : JSON.parse(text);
}

/**
 * The end of the string starting at the quote at i (after its closing quote; past the end when
 * it is not closed). A quote closes it unless an odd number of backslashes stands before it.
 */
export function stringEnd(text: string, i: number): number {
  for (let from = i + 1; ;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length + 1;
    let slash = quote - 1;
    while (text.charCodeAt(slash) === 0x5c) slash--;
    if ((quote - 1 - slash) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** True when some number token of the JSON text would change through a double. */
export function hasInexactNumber(text: string): boolean {
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = numberTokenAt(text, i);
      if (end < 0 && !doubleKeepsText(text.slice(i, -end))) return true;
      i = Math.abs(end);
    } else i++;
  }
  return false;
}

/**
 * The JSON text without whitespace outside strings. PostgreSQL writes jsonb as `{"a": 1, "b": [1,
 * 2]}`; answers and cached bytes keep the compact form the service has always served.
 */
export function compactJsonText(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      out += text.slice(from, i);
      while (++i < text.length) {
        const w = text.charCodeAt(i);
        if (w !== 0x20 && w !== 0x0a && w !== 0x0d && w !== 0x09) break;
      }
      from = i;
    } else i++;
  }
  return from === 0 ? text : out + text.slice(from);
}

export interface JsonProblem {
  /** JSON Pointer to the offending value. */
  pointer: string;
  detail: string;
}

export interface JsonLimits extends NumberLimits {
  maxDepth: number;
}

export interface JsonInspection {
  /** The first value that cannot be stored as it is, if any. */
  problem?: JsonProblem;
  /** Bytes the numbers add when the database writes them (1e300 is 301 digits there). */
  numberGrowth: number;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function badString(s: string): string | undefined {
  if (s.includes('\u0000')) return 'holds U+0000, which cannot be stored';
  if (!s.isWellFormed()) return 'holds an unpaired UTF-16 surrogate';
  return undefined;
}

/** The text a number has in JSON, for the rules that read it. */
function numberText(value: number): string | undefined {
  // A double in JSON.parse's own form has an exponent only past 1e21 or under 1e-6.
  const magnitude = Math.abs(value);
  return magnitude >= 1e21 || (magnitude < 1e-6 && magnitude > 0) ? String(value) : undefined;
}

/**
 * Walks a parsed JSON value without recursion (so hostile nesting cannot overflow the stack)
 * and returns the first value that cannot be stored faithfully: too deep, a number outside the
 * range of a double or with more digits than the bound, or a string or key holding U+0000 or an
 * unpaired surrogate; and how much longer the numbers are as the database writes them.
 */
export function inspectJson(root: unknown, limits: JsonLimits, basePointer = ''): JsonInspection {
  const stack: { value: unknown; pointer: string; depth: number }[] = [
    { value: root, pointer: basePointer, depth: 0 },
  ];
  let numberGrowth = 0;
  const numberAt = (text: string, pointer: string): JsonInspection | undefined => {
    const detail = numberProblem(text, limits);
    if (detail) return { problem: { pointer, detail }, numberGrowth };
    numberGrowth += storedGrowth(text);
    return undefined;
  };
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop() as { value: unknown; pointer: string; depth: number };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        return { problem: { pointer, detail: 'is a number outside the range of a double' }, numberGrowth };
      }
      const text = numberText(value);
      const found = text === undefined ? undefined : numberAt(text, pointer);
      if (found) return found;
    } else if (typeof value === 'string') {
      const bad = badString(value);
      if (bad) return { problem: { pointer, detail: `is a string that ${bad}` }, numberGrowth };
    } else if (isExactNumber(value)) {
      const found = numberAt(value.rawJSON, pointer);
      if (found) return found;
    } else if (typeof value === 'object' && value !== null) {
      if (depth + 1 > limits.maxDepth) {
        return { problem: { pointer, detail: `nests deeper than ${limits.maxDepth} levels` }, numberGrowth };
      }
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) {
          stack.push({ value: value[i], pointer: `${pointer}/${i}`, depth: depth + 1 });
        }
      } else {
        for (const key of Object.keys(value)) {
          const bad = badString(key);
          const child = `${pointer}/${escapePointer(key)}`;
          if (bad) return { problem: { pointer: child, detail: `has a key that ${bad}` }, numberGrowth };
          stack.push({ value: (value as Record<string, unknown>)[key], pointer: child, depth: depth + 1 });
        }
      }
    }
  }
  return { numberGrowth };
}
