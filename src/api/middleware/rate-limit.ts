/**
 * The Koa side of rate limiting: ask the limiter, write the RateLimit header fields of
 * draft-ietf-httpapi-ratelimit-headers (RateLimit-Policy and RateLimit, structured-field lists)
 * on every limited response, and refuse with 429 problem+json and Retry-After over the limit.
 */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';
import type { RateCheck, RateDecision, RateKind, RateLimiter } from '../../domain/rate-limit.js';

export interface RateLimitMiddlewareOptions {
  /** Whose budget the request spends. */
  subjectOf(ctx: Koa.ParameterizedContext): string;
  /** Which budget: reads and writes are counted apart. */
  kindOf(ctx: Koa.ParameterizedContext): RateKind;
  /** Requests that are not limited at all (probes, the spec, the docs). */
  skip?(ctx: Koa.ParameterizedContext): boolean;
  /** Told of every refused request (for the metrics). */
  onRefused?(kind: RateKind): void;
}

/**
 * The header fields for a decision, e.g.
 * `RateLimit-Policy: "read";q=100;w=60` and `RateLimit: "read";r=42;t=17`.
 * The policy name is a quoted sf-string: the current draft makes the item a String.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const name = JSON.stringify(decision.policy); // policy names are plain ASCII: same quoting as sf-string
  return {
    'RateLimit-Policy': `${name};q=${decision.limit};w=${decision.windowSeconds}`,
    RateLimit: `${name};r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}

const USER_ID = /^[A-Za-z0-9._@:-]{1,128}$/; // the contract's UserId pattern
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The default subject: `sub:<subject>` for an authenticated caller, else `ip:<address>`. Only
 * with AUTH_MODE=none (no caller to speak of) does the query's user_id name the subject
 * (`user:<user_id>`), to keep local clients apart. An anonymous request never names its own
 * subject: with a user_id of its choice it could spread over as many budgets as it likes, and
 * push other subjects out of the in-process limiter.
 * Behind a proxy, ctx.ip is the proxy unless Koa's `proxy` is on: then all anonymous traffic
 * shares one budget.
 */
export function subjectOf(ctx: Koa.ParameterizedContext): string {
  const principal = ctx.state.principal as { subject: string; via: string } | undefined;
  if (principal && principal.via !== 'none') return `sub:${principal.subject}`;
  const userId = ctx.query.user_id;
  if (principal && typeof userId === 'string' && USER_ID.test(userId)) return `user:${userId}`;
  return `ip:${ctx.ip}`;
}

/** GET, HEAD and OPTIONS spend the read budget; every other method the write budget. */
export function kindOf(ctx: Koa.ParameterizedContext): RateKind {
  return READ_METHODS.has(ctx.method) ? 'read' : 'write';
}

/**
 * Makes the headers survive an error thrown further down: problemResponses keeps ctx headers,
 * but Koa's own error handler clears every header and then sets only `err.headers`.
 */
function keepHeaders(err: unknown, headers: Record<string, string>): void {
  if (typeof err !== 'object' || err === null || Object.isFrozen(err)) return;
  const holder = err as { headers?: unknown };
  if (holder.headers === undefined) {
    holder.headers = { ...headers };
  } else if (typeof holder.headers === 'object' && holder.headers !== null) {
    const existing = holder.headers as Record<string, string>;
    for (const [name, value] of Object.entries(headers)) if (!(name in existing)) existing[name] = value;
  }
}

/** The 429 for a refused decision, with the header fields and Retry-After. */
export function rateLimited(decision: RateDecision, what: string): AppError {
  const headers = rateLimitHeaders(decision);
  return new AppError('rateLimited', {
    detail:
      `More than ${decision.limit} ${what} in ${decision.windowSeconds} s; ` +
      `retry in ${decision.retryAfterSeconds} s.`,
    headers: { ...headers, 'Retry-After': String(decision.retryAfterSeconds) },
  });
}

/**
 * What a request handed below spends beyond its first unit once its body is read (a bulk
 * create: one write per item, router/dispatch.ts). Throws 429 when the budget has not that much.
 */
export type ChargeMore = (units: number) => Promise<void>;

/**
 * Rate limits the requests below it. Mount it after problemResponses (so a 429 becomes
 * problem+json) and before the router (so a refused request is never parsed nor handled).
 * A request spends one unit here; ctx.state.chargeMore spends more once the body says so.
 */
export function rateLimit(limiter: RateLimiter, options: RateLimitMiddlewareOptions): Koa.Middleware {
  return async (ctx, next) => {
    // A budget that must allow the request before its own is spent (authenticate.ts's gateLater).
    const gate = ctx.state.rateGate as RateCheck['gate'];
    if (options.skip?.(ctx)) {
      if (gate) await refuseWhenGated(await limiter.check(gate.subject, gate.kind, { dryRun: gate.dryRun }));
      return next();
    }
    const kind = options.kindOf(ctx);
    const subject = options.subjectOf(ctx);
    const decision = await limiter.check(subject, kind, gate && { gate });
    if (gate) await refuseWhenGated(decision.gated ? decision : undefined);
    let headers = rateLimitHeaders(decision);
    ctx.set(headers);
    if (!decision.allowed) {
      options.onRefused?.(kind);
      throw rateLimited(decision, `${kind} requests`);
    }
    const chargeMore: ChargeMore = async (wanted) => {
      // With the unit spent above, a request costs at most the whole burst, so it can pass.
      const units = Math.min(wanted, decision.limit - 1);
      if (units < 1) return;
      const more = await limiter.check(subject, kind, { cost: units });
      headers = rateLimitHeaders(more);
      ctx.set(headers);
      if (!more.allowed) {
        options.onRefused?.(kind);
        throw rateLimited(more, `${kind} units (this request costs ${units + 1})`);
      }
    };
    ctx.state.chargeMore = chargeMore;
    try {
      await next();
    } catch (err) {
      keepHeaders(err, headers);
      throw err;
    }
  };

  /** The gate's refusal, answered as authenticate answers it (429 with the gate's fields). */
  async function refuseWhenGated(gated: RateDecision | undefined): Promise<void> {
    if (!gated || gated.allowed) return;
    options.onRefused?.(gated.policy as RateKind);
    throw rateLimited(gated, 'failed authentications from this address');
  }
}
