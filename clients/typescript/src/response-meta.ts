/** The header fields of an answer, typed: what generated clients leave untyped. */

/** A record's entity tag: `"` + version + `"`. */
export type EntityTag = `"${number}"`;

/** RateLimit-Policy and RateLimit (IETF draft-ietf-httpapi-ratelimit-headers), read. */
export interface RateLimitInfo {
  /** The policy's name: `read`, `write` or `auth`. */
  policy: string;
  /** Requests per window (`q`). */
  quota?: number;
  /** The window, in seconds (`w`). */
  windowSeconds?: number;
  /** Requests left (`r`). */
  remaining?: number;
  /** Seconds until the quota is whole again (`t`). */
  resetSeconds?: number;
}

export interface ResponseMeta {
  status: number;
  /** X-Request-Id: quote it when reporting a problem. */
  requestId: string | undefined;
  /** ETag of a record (`"3"`). */
  etag: EntityTag | undefined;
  /** Location of a created record. */
  location: string | undefined;
  /** Retry-After, in seconds (an HTTP date is turned into seconds from now). */
  retryAfterSeconds: number | undefined;
  rateLimit: RateLimitInfo | undefined;
  /** X-Cache: where a read was answered from. */
  cache: 'hit-l1' | 'hit-l2' | 'miss' | undefined;
  /** Idempotent-Replayed: this is the stored answer of an earlier request with the same key. */
  idempotentReplayed: boolean;
  /** Every header field, for anything else. */
  headers: Headers;
}

/** `"read";q=100;w=60` → { policy: 'read', q: 100, w: 60 } (the first item of the list). */
function parameters(value: string | null): { policy: string; params: Map<string, number> } | undefined {
  const first = value?.split(',')[0]?.trim();
  if (!first) return undefined;
  const [name, ...rest] = first.split(';');
  const params = new Map<string, number>();
  for (const part of rest) {
    const [key, number] = part.split('=');
    if (key && number !== undefined && /^\d+$/.test(number.trim())) params.set(key.trim(), Number(number));
  }
  return { policy: (name ?? '').trim().replace(/^"|"$/g, ''), params };
}

export function rateLimitOf(headers: Headers): RateLimitInfo | undefined {
  const policy = parameters(headers.get('ratelimit-policy'));
  const state = parameters(headers.get('ratelimit'));
  if (!policy && !state) return undefined;
  return {
    policy: (policy ?? state)!.policy,
    quota: policy?.params.get('q'),
    windowSeconds: policy?.params.get('w'),
    remaining: state?.params.get('r'),
    resetSeconds: state?.params.get('t'),
  };
}

/** Retry-After as seconds: delay-seconds, or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterOf(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function metaOf(response: Response): ResponseMeta {
  const { headers } = response;
  const cache = headers.get('x-cache');
  const etag = headers.get('etag');
  return {
    status: response.status,
    requestId: headers.get('x-request-id') ?? undefined,
    etag: etag !== null && /^"\d+"$/.test(etag) ? (etag as EntityTag) : undefined,
    location: headers.get('location') ?? undefined,
    retryAfterSeconds: retryAfterOf(headers),
    rateLimit: rateLimitOf(headers),
    cache: cache === 'hit-l1' || cache === 'hit-l2' || cache === 'miss' ? cache : undefined,
    idempotentReplayed: headers.get('idempotent-replayed') === 'true',
    headers,
  };
}
