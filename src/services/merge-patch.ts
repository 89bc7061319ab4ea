/** JSON Merge Patch (RFC 7396). */
import { isJsonObject, type JsonObject, type JsonValue } from '../domain/json-value.js';

function define(target: JsonObject, key: string, value: JsonValue): void {
  // defineProperty, not assignment: a "__proto__" key stays an ordinary member.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies patch to target and returns the result; neither input is changed. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target)) {
    for (const key of Object.keys(target)) define(result, key, target[key] as JsonValue);
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      delete result[key];
    } else {
      const current = Object.prototype.hasOwnProperty.call(result, key) ? result[key] : undefined;
      define(result, key, applyMergePatch(current, value));
    }
  }
  return result;
}
