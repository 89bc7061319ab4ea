/**
 * Rate limiting by subject (a user or an address) with separate read, write and failed-
 * authentication budgets: GCRA (gcra.ts) in Redis, shared by every instance, and in this
 * process when Redis has no answer.
 */
import { LRUCache } from 'lru-cache';
import type { RateCheck, RateDecision, RateKind, RateLimiter } from '../domain/rate-limit.js';
import type { RedisGateway } from '../redis/redis-gateway.js';
import {
  decide,
  gcraStep,
  policies,
  positiveInteger,
  subjectKey,
  unitsOf,
  type Policy,
  type RateLimitOptions,
} from './gcra.js';
import { RedisRateLimiter, type OptionalRateLimiter } from './redis-rate-limiter.js';

export { GCRA_BATCH_LUA, gcraStep, subjectKey, type GcraResult, type RateLimitOptions } from './gcra.js';
export { RedisRateLimiter, type OptionalRateLimiter } from './redis-rate-limiter.js';

export interface MemoryRateLimitOptions extends RateLimitOptions {
  /** Most subjects in debt remembered at once (default 10000). */
  maxSubjects?: number;
  /** Clock in milliseconds (default Date.now); tests inject a fake one. */
  now?: () => number;
}

/**
 * The same GCRA in this process. Its budget is per instance: it is the fallback when Redis
 * is down, and the limiter when no Redis is configured. A subject is remembered only while it
 * is in debt (until its TAT, when it would be rested anyway), and at most maxSubjects at once.
 * When that many are in debt, a new subject is refused rather than an old one forgotten:
 * forgetting would hand its budget back whole, so a flood of new subjects (sent by the very
 * client that is over its limit) would reset that client's budget.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly policies: Record<RateKind, Policy>;
  private readonly tats: LRUCache<string, number>;
  private readonly now: () => number;
  private readonly maxSubjects: number;

  constructor(options: MemoryRateLimitOptions = {}) {
    this.policies = policies(options);
    this.maxSubjects = positiveInteger('maxSubjects', options.maxSubjects ?? 10_000);
    this.now = options.now ?? Date.now;
    // Expiry on this limiter's clock, so a fake clock in tests rests subjects as time passes.
    // max is a backstop only: the check below keeps the size at maxSubjects.
    this.tats = new LRUCache({
      max: this.maxSubjects + 1,
      ttlResolution: 0,
      perf: { now: () => this.now() },
    });
  }

  /** Subjects and kinds currently remembered (for tests and metrics). */
  get size(): number {
    return this.tats.size;
  }

  async check(subject: string, kind: RateKind, options: RateCheck = {}): Promise<RateDecision> {
    if (options.gate) {
      const { subject: gateSubject, kind: gateKind, dryRun } = options.gate;
      const gate = await this.check(gateSubject, gateKind, { dryRun });
      if (!gate.allowed) return { ...gate, gated: true };
    }
    const policy = this.policies[kind];
    const key = `${subjectKey(subject)}:${kind}`;
    const nowMs = this.now();
    const nowUs = Math.round(nowMs * 1000);
    const units = unitsOf(policy, options.cost);
    const stored = this.tats.get(key);
    if (stored === undefined && !options.dryRun && this.full()) {
      return decide(policy, {
        allowed: false,
        remaining: 0,
        resetUs: policy.intervalUs,
        retryUs: policy.intervalUs,
      });
    }
    const result = gcraStep(stored ?? 0, nowUs, policy.intervalUs, policy.periodUs, units);
    if (result.allowed && !options.dryRun) {
      this.tats.set(key, result.tat, { ttl: Math.max(1, Math.ceil((result.tat - nowUs) / 1000)) });
    }
    return decide(policy, result);
  }

  private full(): boolean {
    if (this.tats.size < this.maxSubjects) return false;
    this.tats.purgeStale();
    return this.tats.size >= this.maxSubjects;
  }
}

export interface FallbackOptions {
  /** Called each time the memory limiter decided because Redis had no answer (for a metric). */
  onFallback?: () => void;
}

/**
 * Redis first, the in-process limiter whenever Redis has no answer. Never throws, and never
 * waits on Redis longer than the gateway's command timeout (nothing at all with the circuit open).
 */
export class FallbackRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: OptionalRateLimiter,
    private readonly memory: RateLimiter,
    private readonly options: FallbackOptions = {},
  ) {}

  async check(subject: string, kind: RateKind, options?: RateCheck): Promise<RateDecision> {
    let decision: RateDecision | undefined;
    try {
      decision = await this.redis.check(subject, kind, options);
    } catch {
      decision = undefined; // the gateway already turns failures into undefined; belt and braces
    }
    if (decision) return decision;
    try {
      this.options.onFallback?.();
    } catch {
      // a failing metric must not fail the request
    }
    return this.memory.check(subject, kind, options);
  }
}

/** The limiter for a gateway: Redis with the memory fallback, or memory only when Redis is not configured. */
export function createRateLimiter(
  gateway: RedisGateway,
  options: MemoryRateLimitOptions & FallbackOptions = {},
): RateLimiter {
  const memory = new MemoryRateLimiter(options);
  if (!gateway.configured) return memory;
  return new FallbackRateLimiter(new RedisRateLimiter(gateway, options), memory, options);
}
