/**
 * Readiness: may this instance take traffic now? Not while it drains (shutdown began), not
 * without its database; without its cache it is slower, not wrong ("degraded").
 */
import { AppError, ERRORS } from '../domain/errors.js';

export interface Lifecycle {
  /** True once shutdown began: readiness answers 503 so the load balancer stops routing here. */
  draining: boolean;
}

export interface ReadinessDeps {
  /** Resolves when the database answers; rejects otherwise. */
  database: { ping(): Promise<void> };
  /** The optional cache: configured or not, and whether it answers now. */
  cache: { readonly configured: boolean; ping(): Promise<boolean> };
  lifecycle: Lifecycle;
}

export interface ReadinessReport {
  ready: boolean;
  /** Why not ready, for the answer's detail. */
  failing: string | undefined;
  checks: { database: boolean; cache?: boolean };
}

/**
 * Why the database is not ready: a storage that knows (a refused account, on Oracle) rejects its
 * ping with notReady and the reason as detail; any other failure is just "database".
 */
function databaseFailure(err: unknown): string {
  return err instanceof AppError && err.spec === ERRORS.notReady ? `database: ${err.detail}` : 'database';
}

export async function checkReadiness(deps: ReadinessDeps): Promise<ReadinessReport> {
  const failure = await deps.database.ping().then(
    () => undefined,
    (err: unknown) => databaseFailure(err),
  );
  const database = failure === undefined;
  const checks = deps.cache.configured ? { database, cache: await deps.cache.ping() } : { database };
  const failing = deps.lifecycle.draining ? 'the server is shutting down' : failure;
  return { ready: failing === undefined, failing, checks };
}
