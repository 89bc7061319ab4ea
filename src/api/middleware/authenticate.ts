/**
 * Authenticates callers of the record API before rate limiting, so limits are per subject; and
 * gives failed authentication a budget of its own per client address, so credentials cannot be
 * guessed (nor signatures verified) without end.
 */
import type Koa from 'koa';
import type { CredentialVerifier } from '../../domain/authentication.js';
import { AppError } from '../../domain/errors.js';
import type { RateLimiter } from '../../domain/rate-limit.js';
import { rateLimited, rateLimitHeaders } from './rate-limit.js';

export interface AuthenticateOptions {
  /** The `auth` budget of failed authentications per client address; absent: unlimited. */
  failures?: RateLimiter;
  /** Told of each request refused because its address spent that budget (for the metrics). */
  onRefused?: () => void;
  /**
   * The rate-limit middleware that follows asks `failures` (the same limiter) for the request's
   * own budget: credentials already verified then need no check of their own here, and that
   * middleware asks the address's budget first, in the same step (RateCheck.gate).
   */
  gateLater?: boolean;
}

const isData = (path: string) => path === '/data' || path.startsWith('/data/');

/**
 * Puts the caller's principal in ctx.state.principal for every request to /data; bad
 * credentials throw 401 here, no credentials leave it unset (the contract's security
 * requirement then answers 401 before the body is read: router/dispatch.ts).
 *
 * With a failure budget: a request that offers credentials from an address whose budget is
 * spent is answered 429 before they are checked; each 401 for bad credentials spends one unit
 * and carries the budget's RateLimit fields. Requests without credentials spend nothing here.
 */
export function authenticate(
  verifier: CredentialVerifier,
  options: AuthenticateOptions = {},
): Koa.Middleware {
  const { failures } = options;
  return async (ctx, next) => {
    if (!isData(ctx.path)) return next();
    const credentials = {
      authorization: ctx.get('authorization') || undefined,
      apiKey: ctx.get('x-api-key') || undefined,
    };
    const offered = credentials.authorization !== undefined || credentials.apiKey !== undefined;
    const address = `ip:${ctx.ip}`;
    // Credentials this process verified before cost nothing to check again: the address's budget
    // is asked with the request's own, in one step, by the rate limit (rate-limit.ts).
    const known = failures && offered && options.gateLater ? verifier.known?.(credentials) : undefined;
    if (known) {
      ctx.state.principal = known;
      ctx.state.rateGate = { subject: address, kind: 'auth', dryRun: true };
      return next();
    }
    if (failures && offered) {
      const budget = await failures.check(address, 'auth', { dryRun: true });
      if (!budget.allowed) {
        options.onRefused?.();
        throw rateLimited(budget, 'failed authentications from this address');
      }
    }
    try {
      ctx.state.principal = await verifier.authenticate(credentials);
    } catch (err) {
      if (failures && offered && err instanceof AppError && err.status === 401) {
        const spent = await failures.check(address, 'auth');
        Object.assign(err.headers, rateLimitHeaders(spent));
      }
      throw err;
    }
    await next();
  };
}
