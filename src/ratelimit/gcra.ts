/**
 * GCRA (the generic cell rate algorithm, a token bucket written as one timestamp): the policies,
 * one step in JS and the same step as a Lua script for Redis. rate-limiter.ts runs them.
 *
 * It was chosen over a sliding window because it keeps one number per subject and kind (a
 * sliding-window log keeps one ZSET member per request, up to `limit` of them), it is exact (a
 * sliding-window counter approximates the previous window), it has no boundary burst (a fixed
 * window lets 2 x limit through around a window edge), and a refused request costs nothing, so
 * a client that hammers while refused is let back in as soon as one unit returns.
 *
 * With `limit` requests per `window`: one request "costs" interval = window / limit, and the
 * state is the theoretical arrival time (TAT) of the next request. A request of `cost` units at
 * `now` is allowed when max(TAT, now) + cost * interval - limit * interval <= now; it then moves
 * TAT by cost intervals. A burst of `limit` requests from a rested state is allowed, then one
 * request per interval.
 */
import { createHash } from 'node:crypto';
import type { RateDecision, RateKind } from '../domain/rate-limit.js';

export interface RateLimitOptions {
  /** Reads (GET, HEAD) per window (default 100). */
  readLimit?: number;
  /** Writes (POST, PUT, PATCH, DELETE) per window (default 100). */
  writeLimit?: number;
  /** Failed authentications per window (default 30). */
  authLimit?: number;
  /** Window length in seconds (default 60). */
  windowSeconds?: number;
}

export interface Policy {
  name: RateKind;
  limit: number;
  windowSeconds: number;
  /** Microseconds one request costs. Integer, so Lua and JS compute exactly the same thing. */
  intervalUs: number;
  /** limit * intervalUs: the burst tolerance (at most window, a few µs less after rounding). */
  periodUs: number;
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1`);
  return value;
}

export function policies(options: RateLimitOptions): Record<RateKind, Policy> {
  const windowSeconds = positiveInteger('windowSeconds', options.windowSeconds ?? 60);
  const make = (name: RateKind, limit: number): Policy => {
    positiveInteger(`${name}Limit`, limit);
    const intervalUs = Math.max(1, Math.floor((windowSeconds * 1e6) / limit));
    return { name, limit, windowSeconds, intervalUs, periodUs: intervalUs * limit };
  };
  return {
    read: make('read', options.readLimit ?? 100),
    write: make('write', options.writeLimit ?? 100),
    auth: make('auth', options.authLimit ?? 30),
  };
}

/** The units a request spends: at least 1, at most the whole burst (so it can ever pass). */
export function unitsOf(policy: Policy, cost = 1): number {
  return Math.min(policy.limit, Math.max(1, Math.ceil(cost)));
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

/** One GCRA step of `units` requests; the Lua script below is the same arithmetic, keep them in step. */
export function gcraStep(
  storedTat: number,
  now: number,
  intervalUs: number,
  periodUs: number,
  units = 1,
): GcraResult {
  const tat = Math.max(storedTat, now);
  const newTat = tat + units * intervalUs;
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

export function decide(policy: Policy, r: Omit<GcraResult, 'tat'>): RateDecision {
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
 * KEYS[1] the subject's TAT; ARGV[1] interval µs; ARGV[2] period µs; ARGV[3] units;
 * ARGV[4] '1' to decide without storing (a dry run).
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
local units = tonumber(ARGV[3]) or 1
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local new_tat = tat + units * interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, 0, tat - now, allow_at - now}
end
if ARGV[4] ~= '1' then
  local ttl_ms = math.ceil((new_tat - now) / 1000)
  redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%d', ttl_ms))
end
return {1, math.floor((now - allow_at) / interval), new_tat - now, 0}
`;
