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
 * Many checks in one call: KEYS[i] the TAT of check i; ARGV[5i-4..5i] its interval µs, period
 * µs, units, '1' to decide without storing (a dry run), and its gate: 0, or the number of an
 * earlier check of the call that must have been allowed for this one to be made. The checks run
 * in order, each on the state the ones before it left, so two checks of one subject in one call
 * count as two. TIME is Redis's clock, read once per call, so every instance measures against
 * the same clock whatever its own says. Redis 7 replicates scripts by their effects, so reading
 * TIME before a write is allowed. TAT is stored with %.0f: Lua 5.1 would print an epoch in µs as
 * 1.7e+15 and lose digits. Returns {allowed, remaining, reset µs, retry µs} for each check, one
 * after another; allowed is 2 for a check not made because its gate refused, and -1 when Redis
 * refused that check's own commands (a key of another type, out of memory) or its gate's: that
 * check alone is decided elsewhere, as if Redis had not answered it.
 * On a Redis Cluster every key of one call must be in one slot (redis-rate-limiter.ts groups them).
 */
export const GCRA_BATCH_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out = {}
for i = 1, #KEYS do
  local a = (i - 1) * 4
  local p = (i - 1) * 5
  local gate = tonumber(ARGV[p + 5]) or 0
  local gated = gate > 0 and out[(gate - 1) * 4 + 1]
  local held = nil
  if gated and gated ~= 1 then
    out[a + 1] = gated == -1 and -1 or 2
  else
    held = redis.pcall('GET', KEYS[i])
    if type(held) == 'table' and held.err then out[a + 1] = -1 end
  end
  if out[a + 1] then
    out[a + 2] = 0
    out[a + 3] = 0
    out[a + 4] = 0
  else
    local interval = tonumber(ARGV[p + 1])
    local period = tonumber(ARGV[p + 2])
    local units = tonumber(ARGV[p + 3]) or 1
    local tat = tonumber(held or '0') or 0
    if tat < now then tat = now end
    local new_tat = tat + units * interval
    local allow_at = new_tat - period
    if now < allow_at then
      out[a + 1] = 0
      out[a + 2] = 0
      out[a + 3] = tat - now
      out[a + 4] = allow_at - now
    else
      local stored = true
      if ARGV[p + 4] ~= '1' then
        local ttl_ms = math.ceil((new_tat - now) / 1000)
        local set = redis.pcall('SET', KEYS[i], string.format('%.0f', new_tat), 'PX', string.format('%d', ttl_ms))
        stored = not (type(set) == 'table' and set.err)
      end
      out[a + 1] = stored and 1 or -1
      out[a + 2] = math.floor((now - allow_at) / interval)
      out[a + 3] = new_tat - now
      out[a + 4] = 0
    end
  end
end
return out
`;
