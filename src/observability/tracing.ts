/**
 * Tracing: what the rest of the service sees of it, and tracing off. Off (no OTLP endpoint),
 * every helper is a pass-through and nothing of the SDK is loaded; on, openTracing
 * (open-tracing.ts) loads otel-tracing.ts, which holds the SDK. Loading the SDK costs start-up time a process without
 * tracing should not pay. See docs/tracing.md.
 */
import { ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import type Koa from 'koa';

/** What the SQL wrapper needs of a database: named statements, scripts, transactions. */
export interface TraceableQueryable {
  query<R>(stmt: { readonly name: string }, values?: Record<string, unknown>): Promise<R[]>;
  exec(script: string): Promise<void>;
}
export interface TraceableDatabase extends TraceableQueryable {
  transaction<T>(fn: (tx: TraceableQueryable) => Promise<T>): Promise<T>;
}
/** What the Redis wrapper needs of the gateway: run() with a fallback of undefined. */
export interface TraceableRedis {
  readonly configured: boolean;
  // The client type is the gateway's own (ioredis); the wrapper passes it through untouched.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run<T>(fn: (client: any) => Promise<T>): Promise<T | undefined>;
}
export type RedisClientOf<G extends TraceableRedis> = Parameters<Parameters<G['run']>[0]>[0];

export interface TracingOptions {
  /** OTLP/HTTP base URL (http://collector:4318); unset or empty: tracing is off. */
  endpoint?: string;
  serviceName: string;
  serviceVersion: string;
  /** Longest one export may take, retries included; unset: the SDK's 10 s (or OTEL_EXPORTER_OTLP_TIMEOUT). */
  exportTimeoutMs?: number;
}

export interface Tracing {
  /** The tracer behind every span here; a no-op one when off. */
  readonly tracer: Tracer;
  readonly enabled: boolean;
  /**
   * Outermost middleware: continues the caller's W3C trace and makes a SERVER span active.
   * routeOf names answers given before routing (401, 429), as requestLog does.
   */
  httpMiddleware(options?: { routeOf?: (ctx: Koa.Context) => string | undefined }): Koa.Middleware;
  /** A span per statement, exec and transaction, named after the catalog statement. */
  wrapDatabase<T extends TraceableDatabase>(db: T): T;
  /** A span per `run` call; a gateway without Redis configured is returned as it is. */
  wrapRedisGateway<G extends TraceableRedis>(gateway: G): G;
  /** The trace id of the active span (the current request), for log lines. */
  currentTraceId(): string | undefined;
  /**
   * Exports what is buffered and stops; later spans are dropped. Never rejects, and resolves
   * within timeoutMs even when the collector is down or slow.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** The instrumentation scope of every span. */
export const SCOPE = 'data-api';

const DISABLED: Omit<Tracing, 'tracer'> = {
  enabled: false,
  httpMiddleware: () => (_ctx, next) => next(),
  wrapDatabase: (db) => db,
  wrapRedisGateway: (gateway) => gateway,
  currentTraceId: () => undefined,
  shutdown: async () => undefined,
};

/** Tracing off: every helper hands back its input, the middleware only calls next. */
export function tracingOff(): Tracing {
  // A provider of its own, never the global one: off means off even if something else registered.
  return { ...DISABLED, tracer: new ProxyTracerProvider().getTracer(SCOPE) };
}
