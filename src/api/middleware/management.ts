/** Which paths a listener serves, when /metrics has a management port of its own. */
import type Koa from 'koa';
import { AppError } from '../../domain/errors.js';

/** The operations paths the management listener serves (MANAGEMENT_PORT). */
export const MANAGEMENT_PATHS = /^\/(metrics|health|ready)$/;
/** Served by the management listener only, once there is one. */
export const MANAGEMENT_ONLY = /^\/metrics$/;

/** 404 for every path `served` does not match (or matches, with `except`). */
export function servePaths(served: RegExp, { except = false } = {}): Koa.Middleware {
  return async (ctx, next) => {
    if (served.test(ctx.path) === except) {
      throw new AppError('routeNotFound', { detail: `Nothing is served at ${ctx.path} on this port.` });
    }
    await next();
  };
}
