/**
 * The rate limiter as the API asks it (src/ratelimit implements it): one decision per request,
 * by subject and kind, with what the RateLimit header fields and a 429 need to say.
 */

/**
 * Reads and writes are counted apart; `auth` counts failed authentications of a client address
 * (docs/rate-limiting.md).
 */
export type RateKind = 'read' | 'write' | 'auth';

/** How a check spends. */
export interface RateCheck {
  /** Units this request costs (default 1); more than the policy's burst costs the whole burst. */
  cost?: number;
  /** Decide whether the cost could be spent now, without spending it. */
  dryRun?: boolean;
  /**
   * Another check decided first, in the same step: when it refuses, this one is not made (it
   * spends nothing) and the answer is the gate's refusal, marked `gated`. The failed-
   * authentication budget of an address gates the request's own budget this way.
   */
  gate?: { subject: string; kind: RateKind; dryRun?: boolean };
}

export interface RateDecision {
  allowed: boolean;
  /** Requests per window of this policy. */
  limit: number;
  /** Requests that could still be made now (0 when refused). */
  remaining: number;
  /** Seconds until the whole budget is back (rounded up). */
  resetSeconds: number;
  /** Seconds to wait before a request can be allowed (0 when allowed, at least 1 when refused). */
  retryAfterSeconds: number;
  /** Policy name used in the RateLimit headers: the kind of request. */
  policy: string;
  windowSeconds: number;
  /** The check's gate refused (RateCheck.gate): this decision is the gate's. */
  gated?: boolean;
}

export interface RateLimiter {
  check(subject: string, kind: RateKind, options?: RateCheck): Promise<RateDecision>;
}
