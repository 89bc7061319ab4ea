/**
 * Request bodies: read and parsed by json-body.ts, then the envelope check, then (for the media
 * types openapi-backend does not validate) the contract's schema. application/json bodies are
 * validated by openapi-backend itself, after this.
 */
import type { ValidateFunction } from 'ajv';
import type Koa from 'koa';
import { ValidationContext, type OpenAPIBackend, type Operation } from 'openapi-backend';
import { AppError } from '../../domain/errors.js';
import { isExactNumber } from '../../domain/json-value.js';
import { mediaType, readJsonBody, type BodyLimits } from '../json-body.js';
import { validationError } from './field-errors.js';

/** Reads, parses and checks the body of a request matched to `operation`. */
export type BodyReader = (ctx: Koa.Context, operation: Operation) => Promise<unknown>;

// Every request body of the contract is a small envelope object ({user_id, payload}, {items},
// {payload}). Checked before validation: openapi-backend re-parses a string body as JSON (a
// JSON-encoded JSON text would pass as the object inside it), and it spreads every validation
// error into one push(), which overflows the stack on ~100,000 errors.
const MAX_ENVELOPE_MEMBERS = 64;
const MAX_BULK_ITEMS = 1000;

function envelopeError(detail: string): AppError {
  return new AppError('validationFailed', { detail, errors: [{ location: 'body', pointer: '', detail }] });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Refuses a body that is not a small envelope object, before the contract's validation. */
export function checkEnvelope(body: unknown): void {
  if (!isObject(body)) throw envelopeError('must be a JSON object');
  if (Object.keys(body).length > MAX_ENVELOPE_MEMBERS) throw envelopeError('has too many members');
  const items = body.items;
  if (Array.isArray(items)) {
    if (items.length > MAX_BULK_ITEMS) {
      throw new AppError('bulkTooLarge', {
        detail: `A bulk create takes at most ${MAX_BULK_ITEMS} items; this one has ${items.length}.`,
        errors: [{ location: 'body', pointer: '/items', detail: `more than ${MAX_BULK_ITEMS} items` }],
      });
    }
    if (items.some((item) => isObject(item) && Object.keys(item).length > MAX_ENVELOPE_MEMBERS)) {
      throw envelopeError('has an item with too many members');
    }
  }
}

function plainNumber(v: unknown): unknown {
  return isExactNumber(v) ? Number(v.rawJSON) : v;
}

/**
 * Numbers keep their text inside payloads only (json-body.ts). In the envelope around them a
 * number is a number again, so the contract's validation reads it as JSON Schema means: a
 * payload sent as `1.0` or `2e0` is a number, refused as "must be object", never taken for one.
 */
export function plainEnvelopeNumbers(body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    body[key] = plainNumber(value);
    if (key !== 'items' || !Array.isArray(value)) continue;
    value.forEach((item: unknown, i) => {
      value[i] = plainNumber(item);
      if (isObject(item)) for (const [k, v] of Object.entries(item)) item[k] = plainNumber(v);
    });
  }
}

/**
 * openapi-backend validates application/json bodies only; the others (merge-patch) are
 * validated here against the same contract schemas, by the same Ajv as the JSON bodies, compiled
 * at start. Keyed by `operationId|media type`.
 */
function compileOtherBodyValidators(api: OpenAPIBackend): Map<string, ValidateFunction> {
  const ajv = api.validator.getAjv(ValidationContext.RequestBody);
  const validators = new Map<string, ValidateFunction>();
  for (const op of api.router.getOperations()) {
    const content = (op.requestBody as { content?: Record<string, { schema?: object }> } | undefined)
      ?.content;
    for (const [type, media] of Object.entries(content ?? {})) {
      if (type !== 'application/json' && media.schema) {
        validators.set(
          `${op.operationId}|${type}`,
          ajv.compile({
            type: 'object',
            properties: { requestBody: media.schema },
            required: ['requestBody'],
          }),
        );
      }
    }
  }
  return validators;
}

/**
 * Expect: 100-continue, and a body the reader would start to read: the client waits for the
 * 100 before it sends the body (http-server.ts, checkContinue), so a body that would be refused
 * for its type or declared size is never sent at all.
 */
function continueWanted(ctx: Koa.Context, accepted: string[], limit: number): boolean {
  if (!/^\s*100-continue\s*$/i.test(ctx.get('expect')) || ctx.res.headersSent) return false;
  const declared = ctx.get('content-length');
  return accepted.includes(mediaType(ctx.get('content-type'))) && !(Number(declared) > limit);
}

/** The body reader of the dispatcher; compiles the merge-patch validators once. */
export function createBodyReader(api: OpenAPIBackend, limits: BodyLimits): BodyReader {
  const otherBodyValidators = compileOtherBodyValidators(api);
  return async (ctx, operation) => {
    const content = (operation.requestBody as { content: Record<string, unknown> }).content;
    const accepted = Object.keys(content);
    if (continueWanted(ctx, accepted, limits.bodyLimitBytes)) ctx.res.writeContinue();
    const body = await readJsonBody(ctx.req, accepted, limits);
    checkEnvelope(body);
    plainEnvelopeNumbers(body as Record<string, unknown>);
    const validate = otherBodyValidators.get(
      `${operation.operationId}|${mediaType(ctx.get('content-type'))}`,
    );
    if (validate && !validate({ requestBody: body })) throw validationError(validate.errors ?? []);
    return body;
  };
}
