/**
 * The data-api client: openapi-fetch over the types generated from the partner view of the
 * contract, with what generated clients leave to their users done once here: credentials, the
 * merge-patch media type, 304 as "not modified", typed header fields, every page of a list,
 * Idempotency-Key on creates, bounded retries that honour Retry-After, a typed error, and
 * payload numbers without loss.
 *
 * An operation is a few lines: call `this.api` (typed by the contract) inside `this.send`, and
 * name the answer's type (see README.md, "Adding an operation").
 */
import createClient, { type Client } from 'openapi-fetch';
import { DataApiError } from './errors.js';
import { parseExact } from './exact-json.js';
import type { components, paths } from './openapi.js';
import { metaOf, type EntityTag, type ResponseMeta } from './response-meta.js';

export { DataApiError, type FieldError, type Problem, type ProblemCode } from './errors.js';
export { exactNumber, numberText, parseExact } from './exact-json.js';
export type { EntityTag, RateLimitInfo, ResponseMeta } from './response-meta.js';
export type { components, paths } from './openapi.js';

type Schemas = components['schemas'];
/** A stored record (the contract's `Record`, renamed: `Record` is TypeScript's own type). */
export type DataRecord = Schemas['Record'];
export type RecordCreate = Schemas['RecordCreate'];
export type RecordReplace = Schemas['RecordReplace'];
export type RecordMergePatch = Schemas['RecordMergePatch'];
export type RecordPage = Schemas['RecordPage'];
export type Payload = Schemas['Payload'];
export type ListQuery = NonNullable<paths['/data']['get']['parameters']['query']>;
export type ExportQuery = paths['/data/export']['get']['parameters']['query'];
export type UserErased = Schemas['UserErased'];

export interface DataApiClientOptions {
  /** E.g. `http://localhost:8000` or `https://<host>` (the contract's `servers`). */
  baseUrl: string;
  /** A bearer token, or a function that returns a fresh one for each request. */
  bearerToken?: string | (() => string | Promise<string>);
  /** An API key (`X-API-Key`), instead of a token. */
  apiKey?: string;
  /** Retries of an answer 429, 503 or 409 `DAPI-4092`, after its Retry-After. Default 2. */
  retries?: number;
  /** A Retry-After longer than this is not waited for: the error is thrown. Default 30 s. */
  maxRetryDelaySeconds?: number;
  /** `exact` (default): numbers a double would change are kept (see exact-json.ts). */
  numbers?: 'exact' | 'double';
  fetch?: typeof globalThis.fetch;
}

/** An answer: the body and the typed header fields. */
export interface Answer<T> {
  data: T;
  meta: ResponseMeta;
}

/** A conditional read: the record, or `notModified` when the tag sent is still current. */
export type ConditionalRead<T> =
  { notModified: false; data: T; meta: ResponseMeta } | { notModified: true; meta: ResponseMeta };

export interface RequestOptions {
  signal?: AbortSignal;
  /** Sent as X-Request-Id (1–128 of `A-Z a-z 0-9 . _ : -`) and echoed in logs and problems. */
  requestId?: string;
}
export interface CreateOptions extends RequestOptions {
  /** Generated (a UUID) when not given; the same key is sent on every retry of this call. */
  idempotencyKey?: string;
}
export interface ConditionOptions extends RequestOptions {
  /** Change or read only while the record is at this tag (`entityTag(record)`), else 412. */
  ifMatch?: string;
  /** Read: 304 while the record is at this tag. Write: 412 while it is. */
  ifNoneMatch?: string;
}

interface Sent {
  response: Response;
  data?: unknown;
  error?: unknown;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** A record's entity tag, built from its body: `"` + version + `"`. */
export function entityTag(record: Pick<DataRecord, 'version'>): EntityTag {
  return `"${record.version}"`;
}

export class DataApiClient {
  /** The typed openapi-fetch client underneath, credentials included, for anything else. */
  readonly api: Client<paths>;
  private readonly retries: number;
  private readonly maxDelay: number;
  private readonly parse: (text: string) => unknown;

  constructor(options: DataApiClientOptions) {
    this.api = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
    this.retries = options.retries ?? 2;
    this.maxDelay = options.maxRetryDelaySeconds ?? 30;
    this.parse = options.numbers === 'double' ? JSON.parse : parseExact;
    const { bearerToken, apiKey } = options;
    this.api.use({
      async onRequest({ request }) {
        if (bearerToken !== undefined) {
          const token = typeof bearerToken === 'function' ? await bearerToken() : bearerToken;
          request.headers.set('Authorization', `Bearer ${token}`);
        }
        if (apiKey !== undefined) request.headers.set('X-API-Key', apiKey);
        return request;
      },
    });
  }

  /** Creates a record; retried safely, since every attempt carries the same Idempotency-Key. */
  createRecord(body: RecordCreate, options: CreateOptions = {}): Promise<Answer<DataRecord>> {
    const header = { 'Idempotency-Key': options.idempotencyKey ?? crypto.randomUUID(), ...this.id(options) };
    return this.send(
      () => this.api.POST('/data', { body, params: { header }, parseAs: 'text', signal: options.signal }),
      options,
    );
  }

  /** Creates every item in one transaction; the answer lists them in order. */
  async bulkCreateRecords(items: RecordCreate[], options: CreateOptions = {}): Promise<Answer<DataRecord[]>> {
    const header = { 'Idempotency-Key': options.idempotencyKey ?? crypto.randomUUID(), ...this.id(options) };
    const answer = await this.send<Schemas['BulkCreateResponse']>(
      () =>
        this.api.POST('/data/bulk', {
          body: { items },
          params: { header },
          parseAs: 'text',
          signal: options.signal,
        }),
      options,
    );
    return { data: answer.data.items, meta: answer.meta };
  }

  /** Reads a record; with `ifNoneMatch` set to the tag held, `notModified` while it is current. */
  async getRecord(id: string, options: ConditionOptions = {}): Promise<ConditionalRead<DataRecord>> {
    const params = { path: { id }, header: this.conditions(options) };
    const { response, data, meta } = await this.exchange(
      () => this.api.GET('/data/{id}', { params, parseAs: 'text', signal: options.signal }),
      options,
    );
    if (response.status === 304) return { notModified: true, meta };
    return { notModified: false, data: data as DataRecord, meta };
  }

  /** One page of a user's records, newest first. */
  listRecords(query: ListQuery, options: RequestOptions = {}): Promise<Answer<RecordPage>> {
    const params = { query, header: this.id(options) };
    return this.send(
      () => this.api.GET('/data', { params, parseAs: 'text', signal: options.signal }),
      options,
    );
  }

  /** Every page of a user's records, following `next_cursor` to the last. */
  async *pages(query: ListQuery, options: RequestOptions = {}): AsyncGenerator<Answer<RecordPage>> {
    let cursor = query.cursor;
    do {
      const page = await this.listRecords({ ...query, cursor }, options);
      yield page;
      cursor = page.data.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Every record of a user, across all pages. */
  async *records(query: ListQuery, options: RequestOptions = {}): AsyncGenerator<DataRecord> {
    for await (const page of this.pages(query, options)) yield* page.data.items;
  }

  /** Replaces a record's payload; pass `ifMatch: entityTag(record)` to refuse lost updates. */
  replaceRecord(
    id: string,
    body: RecordReplace,
    options: ConditionOptions = {},
  ): Promise<Answer<DataRecord>> {
    const params = { path: { id }, header: this.conditions(options) };
    return this.send(
      () => this.api.PUT('/data/{id}', { params, body, parseAs: 'text', signal: options.signal }),
      options,
    );
  }

  /** Applies a JSON merge patch (RFC 7396), sent as application/merge-patch+json. */
  patchRecord(
    id: string,
    patch: RecordMergePatch,
    options: ConditionOptions = {},
  ): Promise<Answer<DataRecord>> {
    const params = { path: { id }, header: this.conditions(options) };
    const headers = { 'Content-Type': 'application/merge-patch+json' };
    return this.send(
      () =>
        this.api.PATCH('/data/{id}', {
          params,
          body: patch,
          headers,
          parseAs: 'text',
          signal: options.signal,
        }),
      options,
    );
  }

  /** Deletes a record. */
  async deleteRecord(id: string, options: ConditionOptions = {}): Promise<Answer<undefined>> {
    const params = { path: { id }, header: this.conditions(options) };
    const { meta } = await this.send(
      () => this.api.DELETE('/data/{id}', { params, signal: options.signal }),
      options,
    );
    return { data: undefined, meta };
  }

  /** Every record of a user, newest first, read from the NDJSON export as it arrives. */
  async *exportRecords(query: ExportQuery, options: RequestOptions = {}): AsyncGenerator<DataRecord> {
    const params = { query, header: this.id(options) };
    const { data } = await this.send<ReadableStream<Uint8Array>>(
      () => this.api.GET('/data/export', { params, parseAs: 'stream', signal: options.signal }),
      options,
    );
    // A reader rather than for-await: browsers' ReadableStream is not async-iterable everywhere.
    const reader = data.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        const lines = (rest + decoder.decode(chunk.value, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') yield this.parse(line) as DataRecord;
      }
    } finally {
      reader.releaseLock();
    }
    rest += decoder.decode();
    if (rest.trim() !== '') yield this.parse(rest) as DataRecord;
  }

  /** Deletes every record of a user; retried safely with one Idempotency-Key. */
  eraseUser(userId: string, options: CreateOptions = {}): Promise<Answer<UserErased>> {
    const header = { 'Idempotency-Key': options.idempotencyKey ?? crypto.randomUUID(), ...this.id(options) };
    const params = { query: { user_id: userId }, header };
    return this.send(
      () => this.api.DELETE('/data', { params, parseAs: 'text', signal: options.signal }),
      options,
    );
  }

  private id(options: RequestOptions): { 'X-Request-Id'?: string } {
    return options.requestId === undefined ? {} : { 'X-Request-Id': options.requestId };
  }

  private conditions(options: ConditionOptions) {
    return {
      ...this.id(options),
      ...(options.ifMatch === undefined ? {} : { 'If-Match': options.ifMatch }),
      ...(options.ifNoneMatch === undefined ? {} : { 'If-None-Match': options.ifNoneMatch }),
    };
  }

  /** A success answer as T; anything else throws DataApiError. */
  protected async send<T>(call: () => Promise<Sent>, options: RequestOptions): Promise<Answer<T>> {
    const { data, meta } = await this.exchange(call, options);
    return { data: data as T, meta };
  }

  /** Sends, retrying 429, 503 and 409 DAPI-4092 after Retry-After; 2xx and 304 are answers. */
  private async exchange(call: () => Promise<Sent>, options: RequestOptions) {
    for (let attempt = 0; ; attempt++) {
      const { response, data, error } = await call();
      const meta = metaOf(response);
      if (response.ok || response.status === 304) {
        // Text is parsed here, exactly; a stream (`parseAs: 'stream'`) is handed on as it is.
        const body = typeof data === 'string' ? (data === '' ? undefined : this.parse(data)) : data;
        return { response, meta, data: body };
      }
      const retryable =
        response.status === 429 ||
        response.status === 503 ||
        (response.status === 409 && (error as { code?: string } | undefined)?.code === 'DAPI-4092');
      const wait = meta.retryAfterSeconds ?? 2 ** attempt;
      if (!retryable || attempt >= this.retries || wait > this.maxDelay) throw new DataApiError(meta, error);
      await sleep(wait * 1000, options.signal);
    }
  }
}
