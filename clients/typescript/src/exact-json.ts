/**
 * JSON parsing that keeps every digit the server kept (docs/payload-numbers.md): a number that a
 * double would change (an integer past 2^53, a decimal with more significant digits than a double
 * holds) is kept as `JSON.rawJSON(text)`. Such a value reads back with `numberText`, and
 * `JSON.stringify` writes it as the same text, so sending a record back (PUT, PATCH) loses nothing.
 * Needs `JSON.rawJSON` and the reviver's source text (Node.js 22+, current browsers).
 */

interface RawJson {
  readonly rawJSON: string;
}

interface JsonWithSource {
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
}

const Json = JSON as unknown as JsonWithSource;

/** True when a double holds the number written as `source` without changing its value. */
function doubleKeeps(source: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (/^-?\d+$/.test(source)) return Number.isSafeInteger(value);
  const mantissa = source.replace(/[eE].*$/, '').replace(/[-.]/g, '');
  const significant = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  return significant.length <= 15;
}

/** Parses JSON text, keeping numbers a double would change as raw JSON text. */
export function parseExact(text: string): unknown {
  return Json.parse(text, (_key, value, context) =>
    typeof value === 'number' && context?.source !== undefined && !doubleKeeps(context.source, value)
      ? Json.rawJSON(context.source)
      : value,
  );
}

/** The digits of a number as the server sent them: a kept number's text, or a number's. */
export function numberText(value: unknown): string | undefined {
  if (Json.isRawJSON(value)) return value.rawJSON;
  return typeof value === 'number' ? String(value) : undefined;
}

/** Makes a number for a payload from its exact text, e.g. exactNumber('18446744073709551615'). */
export function exactNumber(text: string): unknown {
  return Json.rawJSON(text);
}
