/** The one error the client throws for an answer that is not a success: the problem's fields. */
import type { components } from './openapi.js';
import type { ResponseMeta } from './response-meta.js';

export type Problem = components['schemas']['Problem'];
export type FieldError = components['schemas']['FieldError'];

/** The catalog of docs/errors.md; open, since a minor version may add a code. */
export type ProblemCode =
  | 'DAPI-4001' | 'DAPI-4002' | 'DAPI-4003' | 'DAPI-4004' | 'DAPI-4005' | 'DAPI-4006'
  | 'DAPI-4011' | 'DAPI-4031' | 'DAPI-4041' | 'DAPI-4042' | 'DAPI-4051' | 'DAPI-4061'
  | 'DAPI-4081' | 'DAPI-4091' | 'DAPI-4092' | 'DAPI-4121' | 'DAPI-4131' | 'DAPI-4151'
  | 'DAPI-4171' | 'DAPI-4221' | 'DAPI-4291' | 'DAPI-4311' | 'DAPI-5001' | 'DAPI-5011'
  | 'DAPI-5031' | 'DAPI-5032' | 'DAPI-5033' | 'DAPI-5034' | 'DAPI-5041'
  | (string & {}); // prettier-ignore

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string';
}

export class DataApiError extends Error {
  readonly status: number;
  /** The stable code to branch on (`DAPI-4121`); undefined when the answer was no problem+json. */
  readonly code: ProblemCode | undefined;
  readonly type: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly requestId: string | undefined;
  /** For validation failures: each failing field. */
  readonly errors: FieldError[];
  /** Retry-After, in seconds, when the answer had one. */
  readonly retryAfterSeconds: number | undefined;
  /** The whole problem detail, extensions included (`checks` of a 503 not-ready). */
  readonly problem: Problem | undefined;
  readonly meta: ResponseMeta;

  constructor(meta: ResponseMeta, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    super(problem ? `${meta.status} ${problem.code}: ${problem.detail}` : `HTTP ${meta.status}`);
    this.name = 'DataApiError';
    this.status = meta.status;
    this.code = problem?.code;
    this.type = problem?.type;
    this.title = problem?.title;
    this.detail = problem?.detail;
    this.requestId = problem?.request_id ?? meta.requestId;
    this.errors = problem?.errors ?? [];
    this.retryAfterSeconds = meta.retryAfterSeconds;
    this.problem = problem;
    this.meta = meta;
  }
}
