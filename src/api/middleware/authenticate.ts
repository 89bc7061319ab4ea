/** Authenticates callers of the record API before rate limiting, so limits are per subject. */
import type Koa from 'koa';
import type { CredentialVerifier } from '../../domain/authentication.js';

/**
 * Puts the caller's principal in ctx.state.principal for every request to /data; bad
 * credentials throw 401 here, no credentials leave it unset (the contract's security
 * requirement then answers 401: router/security-handlers.ts).
 */
export function authenticate(verifier: CredentialVerifier): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/data' || ctx.path.startsWith('/data/')) {
      ctx.state.principal = await verifier.authenticate({
        authorization: ctx.get('authorization') || undefined,
        apiKey: ctx.get('x-api-key') || undefined,
      });
    }
    await next();
  };
}
