/** Ajv's errors as the field errors of a 400 problem (docs/errors.md, `errors`). */
import type { ErrorObject } from 'ajv';
import { AppError, type FieldError } from '../../domain/errors.js';

const LOCATIONS: Record<string, FieldError['location']> = {
  requestBody: 'body',
  query: 'query',
  path: 'path',
  header: 'header',
};

// Enough to fix a request; keeps the answer small.
const MAX_FIELD_ERRORS = 50;

/** Turns ajv errors over openapi-backend's {path, query, header, requestBody} into field errors. */
export function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const segments = e.instancePath.split('/').slice(1);
    let detail = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      segments.push(String(e.params.missingProperty));
      detail = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      segments.push(String(e.params.additionalProperty));
      detail = 'is not allowed';
    } else if (e.keyword === 'parse') {
      detail = 'is not valid JSON';
    } else if (e.keyword === 'pattern' && /^\/header\/if-(none-)?match$/.test(e.instancePath)) {
      detail = 'must be * or a list of entity tags such as "3"';
    }
    const root = segments.shift() ?? '';
    const location = LOCATIONS[root] ?? 'body';
    const pointer =
      location === 'body'
        ? segments.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('')
        : segments.join('.');
    const key = `${location}|${pointer}|${detail}`;
    if (out.length >= MAX_FIELD_ERRORS) break;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ location, pointer, detail });
    }
  }
  return out;
}

/** The 400 `validationFailed` for a request that does not match the contract. */
export function validationError(errors: ErrorObject[]): AppError {
  const list = fieldErrors(errors);
  const first = list[0];
  const where = first ? `${first.location} ${first.pointer || ''}`.trim() : 'the request';
  return new AppError('validationFailed', {
    detail: `The request does not match the contract: ${where} ${first?.detail ?? 'is invalid'}.`,
    errors: list,
  });
}
