/**
 * A query parameter that carries JSON (payload_contains): read with the rules of a request body
 * (json-body.ts), so the same text is refused for the same reasons: not JSON (400 malformed-json),
 * a member named twice in one object, nesting past the limit (refused by the linear scan before
 * any parse), and numbers kept as their digits (never through a double). What the value must be
 * beyond JSON (an object the store can hold) is the service's to say.
 */
import { AppError } from '../domain/errors.js';
import { parseJsonExact } from '../domain/json-value.js';
import { PAYLOAD_FILTER_MAX_CHARS } from '../services/record-listing.js';
import { scanJson } from './json-body.js';

/** The parsed value of a JSON query parameter, or undefined when the parameter is absent. */
export function jsonQueryParameter(text: string | undefined, name: string, maxDepth: number): unknown {
  if (text === undefined) return undefined;
  const refuse = (code: 'malformedJson' | 'unsupportedJsonValue' | 'validationFailed', detail: string) =>
    new AppError(code, {
      detail: `${name} ${detail}.`,
      errors: [{ location: 'query', pointer: name, detail }],
    });
  // The contract says so too; checked here as well since this parse must never see more.
  if (text.length > PAYLOAD_FILTER_MAX_CHARS) {
    throw refuse('validationFailed', `must not have more than ${PAYLOAD_FILTER_MAX_CHARS} characters`);
  }
  const scan = scanJson(text, maxDepth);
  if (scan.duplicateKey !== undefined) {
    throw refuse(
      'malformedJson',
      `names the member ${JSON.stringify(scan.duplicateKey)} twice in one object`,
    );
  }
  if (scan.tooDeep) throw refuse('unsupportedJsonValue', `nests deeper than ${maxDepth} levels`);
  try {
    return parseJsonExact(text, scan.inexactNumbers);
  } catch {
    throw refuse('malformedJson', 'is not valid JSON (percent-encode it, e.g. with encodeURIComponent)');
  }
}
