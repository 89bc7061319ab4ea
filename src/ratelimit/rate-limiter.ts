/**
 * Rate limiting by subject (a user or an address) with separate read and write budgets.
 *
 * The algorithm is GCRA (the generic cell rate algorithm, a token bucket written as one
 * timestamp). It was chosen over a sliding window because it keeps one number per subject and
 * kind (a sliding-window log keeps one ZSET member per request, up to `limit` of them), it is
 * exact (a sliding-window counter approximates the previous window), it has no boundary burst
 * (a fixed window lets 2 x limit through around a window edge), and a refused request costs
 * nothing, so a client that hammers while refused is let back in as soon as one unit returns.
 *
 * With `limit` requests per `window`: one request "costs" interval = window / limit, and the
 * state is the theoretical arrival time (TAT) of the next request. A request at `now` is allowed
 * when max(TAT, now) + interval - limit * interval <= now; it then moves TAT by one interval.
 * A burst of `limit` requests from a rested state is allowed, then one request per interval.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RateDecision, RateKind, RateLimiter } from '../domain/rate-limit.js';
import type { RedisClient, RedisGateway } from '../redis/redis-gateway.js';

/** A limiter that may have no answer (Redis absent or down): undefined means "decide elsewhere". */
export interface OptionalRateLimiter {
  check(subject: string, kind: RateKind): Promise<RateDecision | undefined>;
}

export interface RateLimitOptions {
  /** Reads (GET, HEAD) per window (default 100). */
  readLimit?: number;
  /** Writes (POST, PUT, PATCH, DELETE) per window (default 100). */
  writeLimit?: number;
  /** Window length in seconds (default 60). */
  windowSeconds?: number;
}

interface Policy {
  name: RateKind;
  limit: number;
  windowSeconds: number;
  /** Microseconds one request costs. Integer, so Lua and JS compute exactly the same thing. */
  intervalUs: number;
  /** limit * intervalUs: the burst tolerance (at most window, a few µs less after rounding). */
  periodUs: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1`);
  return value;
}

function policies(options: RateLimitOptions): Record<RateKind, Policy> {
  const windowSeconds = positiveInteger('windowSeconds', options.windowSeconds ?? 60);
  const make = (name: RateKind, limit: number): Policy => {
    positiveInteger(`${name}Limit`, limit);
    const intervalUs = Math.max(1, Math.floor((windowSeconds * 1e6) / limit));
    return { name, limit, windowSeconds, intervalUs, periodUs: intervalUs * limit };
  };
  return { read: make('read', options.readLimit ?? 100), write: make('write', options.writeLimit ?? 100) };
}

/** What one GCRA step answers, in microseconds. */
export interface GcraResult {
  allowed: boolean;
  /** The TAT to store (unchanged when refused). */
  tat: number;
  remaining: number;
  resetUs: number;
  retryUs: number;
}

/** One GCRA step; the Lua script below is the same arithmetic, keep them in step. */
export function gcraStep(storedTat: number, now: number, intervalUs: number, periodUs: number): GcraResult {
  const tat = Math.max(storedTat, now);
  const newTat = tat + intervalUs;
  const allowAt = newTat - periodUs;
  if (now < allowAt) return { allowed: false, tat, remaining: 0, resetUs: tat - now, retryUs: allowAt - now };
  return {
    allowed: true,
    tat: newTat,
    remaining: Math.floor((now - allowAt) / intervalUs),
    resetUs: newTat - now,
    retryUs: 0,
  };
}

function decide(policy: Policy, r: Omit<GcraResult, 'tat'>): RateDecision {
  return {
    allowed: r.allowed,
    limit: policy.limit,
    remaining: Math.max(0, Math.min(policy.limit, r.remaining)),
    resetSeconds: Math.ceil(r.resetUs / 1e6),
    retryAfterSeconds: r.allowed ? 0 : Math.max(1, Math.ceil(r.retryUs / 1e6)),
    policy: policy.name,
    windowSeconds: policy.windowSeconds,
  };
}

const SAFE_SUBJECT = /^[A-Za-z0-9._@:-]{1,200}$/;

/**
 * The subject as it appears in a key: itself when short and plain, else `#` + its SHA-256.
 * Keeps keys and memory bounded, and keeps `{` `}` out of the key so the hash tag stays whole.
 * `#` is outside the plain set, so two different subjects never share a key.
 */
export function subjectKey(subject: string): string {
  if (SAFE_SUBJECT.test(subject)) return subject;
  return '#' + createHash('sha256').update(subject).digest('hex');
}

/*
 * KEYS[1] the subject's TAT; ARGV[1] interval µs; ARGV[2] period µs.
 * TIME is Redis's clock, so every instance measures against the same clock whatever its own
 * says. Redis 7 replicates scripts by their effects, so reading TIME before a write is allowed.
 * TAT is stored with %.0f: Lua 5.1 would print an epoch in µs as 1.7e+15 and lose digits.
 * Returns {allowed, remaining, reset µs, retry µs}.
 */
export const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, 0, tat - now, allow_at - now}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%d', ttl_ms))
return {1, math.floor((now - allow_at) / interval), new_tat - now, 0}
`;

const COMMAND = 'dapiRateLimitGcra';
type GcraCommand = (key: string, intervalUs: number, periodUs: number) => Promise<unknown>;
// defineCommand once per client object: ioredis then sends EVAL on the first call of each
// connection and EVALSHA after, and resends the body itself when Redis answers NOSCRIPT
// (after SCRIPT FLUSH, a restart or a failover).
const scripted = new WeakSet<object>();

function gcraCommand(client: RedisClient): GcraCommand {
  if (!scripted.has(client)) {
    client.defineCommand(COMMAND, { lua: GCRA_LUA, numberOfKeys: 1 });
    scripted.add(client);
  }
  const command = (client as unknown as Record<string, GcraCommand>)[COMMAND];
  if (!command) throw new Error(`redis: ${COMMAND} is not defined`);
  return command.bind(client);
}

function parseReply(reply: unknown): Omit<GcraResult, 'tat'> {
  if (!Array.isArray(reply) || reply.length !== 4) throw new Error('redis: unexpected rate limit reply');
  const [allowed, remaining, resetUs, retryUs] = reply.map(Number) as [number, number, number, number];
  if (![allowed, remaining, resetUs, retryUs].every(Number.isFinite)) {
    throw new Error('redis: non-numeric rate limit reply');
  }
  return { allowed: allowed === 1, remaining, resetUs, retryUs };
}

/** GCRA in Redis: one atomic script per check, shared by every instance. undefined when Redis has no answer. */
export class RedisRateLimiter implements OptionalRateLimiter {
  private readonly policies: Record<RateKind, Policy>;

  constructor(
    private readonly gateway: RedisGateway,
    options: RateLimitOptions = {},
  ) {
    this.policies = policies(options);
  }

  /** `<prefix>rl:{<subject>}:<kind>`: the hash tag puts both kinds of one subject in one slot. */
  key(subject: string, kind: RateKind): string {
    return `${this.gateway.keyPrefix}rl:{${subjectKey(subject)}}:${kind}`;
  }

  async check(subject: string, kind: RateKind): Promise<RateDecision | undefined> {
    const policy = this.policies[kind];
    const key = this.key(subject, kind);
    const reply = await this.gateway.run(async (client) =>
      parseReply(await gcraCommand(client)(key, policy.intervalUs, policy.periodUs)),
    );
    return reply && decide(policy, reply);
  }
}

export interface MemoryRateLimitOptions extends RateLimitOptions {
  /** Most subjects remembered; the least recently seen is forgotten first (default 10000). */
  maxSubjects?: number;
  /** Clock in milliseconds (default Date.now); tests inject a fake one. */
  now?: () => number;
}

/**
 * The same GCRA in this process. Its budget is per instance: it is the fallback when Redis
 * is down, and the limiter when no Redis is configured. An LRU bounds it, so a flood of new
 * subjects evicts old ones instead of growing memory; an evicted subject starts rested.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly policies: Record<RateKind, Policy>;
  private readonly tats: LRUCache<string, number>;
  private readonly now: () => number;

  constructor(options: MemoryRateLimitOptions = {}) {
    this.policies = policies(options);
    this.tats = new LRUCache({ max: positiveInteger('maxSubjects', options.maxSubjects ?? 10_000) });
    this.now = options.now ?? Date.now;
  }

  /** Subjects and kinds currently remembered (for tests and metrics). */
  get size(): number {
    return this.tats.size;
  }

  async check(subject: string, kind: RateKind): Promise<RateDecision> {
    const policy = this.policies[kind];
    const key = `${subjectKey(subject)}:${kind}`;
    const nowUs = Math.round(this.now() * 1000);
    const result = gcraStep(this.tats.get(key) ?? 0, nowUs, policy.intervalUs, policy.periodUs);
    if (result.allowed) this.tats.set(key, result.tat);
    return decide(policy, result);
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

  async check(subject: string, kind: RateKind): Promise<RateDecision> {
    let decision: RateDecision | undefined;
    try {
      decision = await this.redis.check(subject, kind);
    } catch {
      decision = undefined; // the gateway already turns failures into undefined; belt and braces
    }
    if (decision) return decision;
    try {
      this.options.onFallback?.();
    } catch {
      // a failing metric must not fail the request
    }
    return this.memory.check(subject, kind);
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
