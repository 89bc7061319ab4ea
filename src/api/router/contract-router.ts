/**
 * The contract router: openapi-backend on Koa, with the route table and the request parse
 * compiled once (docs/adr/0001-contract-first-with-openapi-backend.md,
 * docs/adr/0007-router-and-request-parse.md).
 */
import type Koa from 'koa';
import type { OpenAPIBackend } from 'openapi-backend';
import type { BodyLimits } from '../json-body.js';
import { createBodyReader } from './body-validation.js';
import { compileRoutes, routeOf, type RouteOf } from './compiled-routes.js';
import {
  compileRequestValidators,
  openContractBackend,
  type Handler,
  type SecurityHandler,
} from './contract-backend.js';
import { createDispatch } from './dispatch.js';
import { compileOperations } from './operation-pipeline.js';
import { compileRequestParse } from './request-parse.js';

export type { ContractPath, RouteOf } from './compiled-routes.js';

export interface Backend {
  api: OpenAPIBackend;
  /** The Koa middleware that routes, reads the body, validates and runs the handler. */
  dispatch: Koa.Middleware;
  /**
   * The contract path a request path is addressed to and the methods it declares (a concrete
   * path such as /data/bulk never borrows the methods of /data/{id}); undefined when no path of
   * the contract matches. The one source of route labels (request log, metrics, spans), of the
   * 405 answer's Allow and of CORS preflights.
   */
  routeOf: RouteOf;
}

/** Builds the router from the contract; throws when the handlers and the contract disagree. */
export async function createBackend(
  definition: Record<string, unknown>,
  handlers: Record<string, Handler>,
  limits: BodyLimits,
  security: Record<string, SecurityHandler> = {},
): Promise<Backend> {
  const api = await openContractBackend(definition, handlers, security);
  // Routes first: they fix the list of operations, whose objects the parse is keyed by.
  compileRoutes(api.router);
  compileRequestParse(api.router);
  compileRequestValidators(api);
  return {
    api,
    dispatch: createDispatch(api, createBodyReader(api, limits), compileOperations(api)),
    routeOf: (path) => routeOf(api.router, path),
  };
}
