/** Authenticates callers of the record API before rate limiting, so limits are per subject. */
import type Koa from 'koa';
import { CHALLENGE, type CredentialVerifier } from '../domain/authentication.js';
import { type Principal } from '../domain/principal.js';
import { AppError } from '../domain/errors.js';

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

/** openapi-backend security handlers for the contract's securitySchemes. */
export function securityHandlers() {
  const via = (ctx: Koa.Context | undefined) => (ctx?.state.principal as Principal | undefined)?.via;
  return {
    bearerAuth: (_c: unknown, ctx?: Koa.Context) => via(ctx) === 'jwt' || via(ctx) === 'none',
    apiKeyAuth: (_c: unknown, ctx?: Koa.Context) => via(ctx) === 'api-key' || via(ctx) === 'none',
  };
}

/** No credentials at all: 401 with the challenge. */
export function unauthorizedHandler(): never {
  throw new AppError('unauthorized', {
    detail: 'This operation needs a bearer token (Authorization: Bearer ...) or an API key (X-API-Key).',
    headers: { 'WWW-Authenticate': CHALLENGE },
  });
}
