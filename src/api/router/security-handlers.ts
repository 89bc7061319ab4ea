/**
 * The contract's securitySchemes as openapi-backend checks them: satisfied by the principal
 * the authenticate middleware found, answered 401 when none is.
 */
import type Koa from 'koa';
import { CHALLENGE } from '../../domain/authentication.js';
import { AppError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';

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
