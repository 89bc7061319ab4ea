/** JSON value types and the checks a stored JSON value must pass, shared by api and services. */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface JsonProblem {
  /** JSON Pointer to the offending value. */
  pointer: string;
  detail: string;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function badString(s: string): string | undefined {
  if (s.includes('\u0000')) return 'holds U+0000, which cannot be stored';
  if (!s.isWellFormed()) return 'holds an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * Walks a parsed JSON value without recursion (so hostile nesting cannot overflow the stack)
 * and returns the first value that cannot be stored faithfully: too deep, a non-finite number
 * (`1e400` parses to Infinity), or a string or key holding U+0000 or an unpaired surrogate.
 */
export function inspectJson(root: unknown, maxDepth: number, basePointer = ''): JsonProblem | undefined {
  const stack: { value: unknown; pointer: string; depth: number }[] = [
    { value: root, pointer: basePointer, depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop() as { value: unknown; pointer: string; depth: number };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { pointer, detail: 'is a number outside the range of a double' };
    } else if (typeof value === 'string') {
      const bad = badString(value);
      if (bad) return { pointer, detail: `is a string that ${bad}` };
    } else if (typeof value === 'object' && value !== null) {
      if (depth + 1 > maxDepth) return { pointer, detail: `nests deeper than ${maxDepth} levels` };
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) {
          stack.push({ value: value[i], pointer: `${pointer}/${i}`, depth: depth + 1 });
        }
      } else {
        for (const key of Object.keys(value)) {
          const bad = badString(key);
          const child = `${pointer}/${escapePointer(key)}`;
          if (bad) return { pointer: child, detail: `has a key that ${bad}` };
          stack.push({ value: (value as Record<string, unknown>)[key], pointer: child, depth: depth + 1 });
        }
      }
    }
  }
  return undefined;
}
