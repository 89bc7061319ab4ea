/**
 * The error catalog and AppError, shared by every layer (data maps driver errors to it, api
 * writes it). Codes are stable and never reused: a retired code stays here, marked retired.
 * docs/errors.md mirrors this table (a test checks it).
 */

export interface ErrorSpec {
  code: string;
  status: number;
  slug: string;
  title: string;
}

function spec(code: string, status: number, slug: string, title: string): ErrorSpec {
  return { code, status, slug, title };
}

export const ERRORS = {
  validationFailed: spec('DAPI-4001', 400, 'validation-failed', 'Validation failed'),
  malformedJson: spec('DAPI-4002', 400, 'malformed-json', 'Malformed JSON'),
  invalidCursor: spec('DAPI-4003', 400, 'invalid-cursor', 'Invalid cursor'),
  unsupportedJsonValue: spec('DAPI-4004', 400, 'unsupported-json-value', 'Unsupported JSON value'),
  bulkTooLarge: spec('DAPI-4005', 400, 'bulk-too-large', 'Too many items'),
  malformedRequest: spec('DAPI-4006', 400, 'malformed-request', 'Bad Request'),
  unauthorized: spec('DAPI-4011', 401, 'unauthorized', 'Unauthorized'),
  forbidden: spec('DAPI-4031', 403, 'forbidden', 'Forbidden'),
  recordNotFound: spec('DAPI-4041', 404, 'record-not-found', 'Record not found'),
  routeNotFound: spec('DAPI-4042', 404, 'route-not-found', 'Not found'),
  methodNotAllowed: spec('DAPI-4051', 405, 'method-not-allowed', 'Method not allowed'),
  notAcceptable: spec('DAPI-4061', 406, 'not-acceptable', 'Not acceptable'),
  requestTimeout: spec('DAPI-4081', 408, 'request-timeout', 'Request Timeout'),
  conflict: spec('DAPI-4091', 409, 'conflict', 'Conflict'),
  idempotencyInFlight: spec('DAPI-4092', 409, 'idempotency-key-in-flight', 'Request in progress'),
  preconditionFailed: spec('DAPI-4121', 412, 'precondition-failed', 'Precondition failed'),
  idempotencyKeyReused: spec('DAPI-4221', 422, 'idempotency-key-reused', 'Idempotency key reused'),
  contentTooLarge: spec('DAPI-4131', 413, 'content-too-large', 'Content too large'),
  unsupportedMediaType: spec('DAPI-4151', 415, 'unsupported-media-type', 'Unsupported media type'),
  expectationFailed: spec('DAPI-4171', 417, 'expectation-failed', 'Expectation failed'),
  rateLimited: spec('DAPI-4291', 429, 'rate-limited', 'Too many requests'),
  headersTooLarge: spec('DAPI-4311', 431, 'headers-too-large', 'Request Header Fields Too Large'),
  internal: spec('DAPI-5001', 500, 'internal-error', 'Internal error'),
  notImplemented: spec('DAPI-5011', 501, 'not-implemented', 'Not implemented'),
  notReady: spec('DAPI-5031', 503, 'not-ready', 'Not ready'),
  databaseUnavailable: spec('DAPI-5032', 503, 'database-unavailable', 'Database unavailable'),
  overloaded: spec('DAPI-5033', 503, 'overloaded', 'Overloaded'),
  identityProviderUnavailable: spec(
    'DAPI-5034',
    503,
    'identity-provider-unavailable',
    'Identity provider unavailable',
  ),
  databaseTimeout: spec('DAPI-5041', 504, 'database-timeout', 'Database timeout'),
} as const;

export type ErrorName = keyof typeof ERRORS;

export interface FieldError {
  location: 'body' | 'query' | 'path' | 'header';
  pointer?: string;
  detail: string;
}

export interface AppErrorOptions {
  detail: string;
  errors?: FieldError[];
  /** When a retry may succeed; the HTTP layer sends it as Retry-After. */
  retryAfterSeconds?: number;
  /** HTTP headers of the answer: set only by src/api (layers below use retryAfterSeconds). */
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type the service throws on purpose; the top middleware turns it into problem+json. */
export class AppError extends Error {
  readonly spec: ErrorSpec;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly retryAfterSeconds: number | undefined;
  readonly extra: Record<string, unknown>;

  constructor(name: ErrorName, options: AppErrorOptions) {
    super(`${ERRORS[name].code} ${options.detail}`, { cause: options.cause });
    this.name = 'AppError';
    this.spec = ERRORS[name];
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extra = options.extra ?? {};
  }

  get status(): number {
    return this.spec.status;
  }
}

export const PROBLEM_TYPE_PREFIX = 'urn:problem-type:data-api:';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Builds the RFC 9457 body for an AppError. */
export function problemBody(err: AppError, requestId?: string): ProblemBody {
  const body: ProblemBody = {
    ...err.extra,
    type: PROBLEM_TYPE_PREFIX + err.spec.slug,
    title: err.spec.title,
    status: err.spec.status,
    detail: err.detail,
    code: err.spec.code,
  };
  if (requestId) body.request_id = requestId;
  if (err.errors && err.errors.length > 0) body.errors = err.errors;
  return body;
}
