/**
 * OpenTelemetry tracing by hand: the service is ESM, and the require-hook auto-instrumentations
 * do not see ESM imports reliably, so the three places that matter are wrapped explicitly: the
 * HTTP request (a Koa middleware), every SQL statement (a Database wrapper) and every Redis call
 * (a RedisGateway wrapper). Off unless an OTLP endpoint is given; off, every wrapper hands back
 * its input and the middleware only calls next (tracing.ts, which main.ts loads first: the SDK
 * here is imported only when tracing is on). See docs/tracing.md.
 *
 * Nothing a client sent in a body, no bind value, no Redis key and no error message is ever put
 * on a span: driver messages can quote values ("invalid input syntax for type uuid: ...").
 */
import {
  context,
  defaultTextMapGetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  propagation,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type Koa from 'koa';
import { AppError } from '../domain/errors.js';
import {
  SCOPE,
  tracingOff,
  type TraceableDatabase,
  type TraceableQueryable,
  type RedisClientOf,
  type TraceableRedis,
  type Tracing,
  type TracingOptions,
} from './tracing.js';

// db.system is the pre-1.26 name of db.system.name; many backends still group by it.
const LEGACY_DB_SYSTEM = 'db.system';
/** On every redis span: ok, or why Redis did not do the work (the span is then an error). */
const REDIS_OUTCOME = 'data_api.redis.outcome';
type RedisOutcome = 'skipped' | 'timeout' | 'failed' | 'ok';
/** Longest shutdown() waits for the last export: well inside the pod's grace period. */
const SHUTDOWN_TIMEOUT_MS = 2000;

/** The error's class (or our catalog code), never its message. */
function errorType(err: unknown): string {
  if (err instanceof AppError) return err.spec.code;
  return err instanceof Error ? err.name : 'unknown';
}

function markFailed(span: Span, type: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** Calls a property of the target with the target as `this`: private fields and closures keep working. */
function forward<T extends object>(target: T, overrides: Partial<Record<PropertyKey, unknown>>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop];
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** Tracing on when options.endpoint is set; else every helper is a pass-through. */
export function createTracing(options: TracingOptions): Tracing {
  if (!options.endpoint) return tracingOff();
  const propagator = new W3CTraceContextPropagator();
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_VERSION]: options.serviceVersion,
      }),
    ),
    // Set here rather than read from OTEL_TRACES_SAMPLER: config.ts is the only reader of the environment.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`,
          timeoutMillis: options.exportTimeoutMs,
        }),
      ),
    ],
  });
  // Registers the AsyncLocalStorage context manager, without which context.with does nothing.
  provider.register({ propagator });
  const tracer = provider.getTracer(SCOPE, options.serviceVersion);

  /** Runs fn in a CLIENT span under parent; the span is active inside fn. */
  async function inSpan<T>(
    name: string,
    attributes: Attributes,
    parent: Context,
    fn: (ctx: Context) => Promise<T>,
  ): Promise<T> {
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    const active = trace.setSpan(parent, span);
    try {
      return await context.with(active, fn, undefined, active);
    } catch (err) {
      markFailed(span, errorType(err));
      throw err;
    } finally {
      span.end();
    }
  }

  function sqlAttributes(operation: string): Attributes {
    return {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [LEGACY_DB_SYSTEM]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [ATTR_DB_OPERATION_NAME]: operation,
    };
  }

  function wrapQueryable(target: TraceableQueryable, parent: () => Context): TraceableQueryable {
    return {
      query: <R>(stmt: { readonly name: string }, values?: Record<string, unknown>) =>
        inSpan(`SQL ${stmt.name}`, sqlAttributes(stmt.name), parent(), () => target.query<R>(stmt, values)),
      exec: (script: string) =>
        inSpan('SQL exec', sqlAttributes('exec'), parent(), () => target.exec(script)),
    };
  }

  function wrapDatabase<T extends TraceableDatabase>(db: T): T {
    const direct = wrapQueryable(db, () => context.active());
    const transaction = <R>(fn: (tx: TraceableQueryable) => Promise<R>): Promise<R> =>
      inSpan('SQL transaction', sqlAttributes('transaction'), context.active(), (txContext) =>
        // The transaction span is passed explicitly: a driver may call fn from its own queue.
        db.transaction((tx) => fn(wrapQueryable(tx, () => txContext))),
      );
    return forward(db, { query: direct.query, exec: direct.exec, transaction });
  }

  function wrapRedisGateway<G extends TraceableRedis>(gateway: G): G {
    if (!gateway.configured) return gateway;
    // undefined alone does not mean failure (a fn may return nothing), so fn itself is watched.
    async function run<T>(fn: (client: RedisClientOf<G>) => Promise<T>): Promise<T | undefined> {
      const span = tracer.startSpan(
        'redis',
        { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: 'redis' } },
        context.active(),
      );
      const seen: { outcome: RedisOutcome; errorType?: string } = { outcome: 'skipped' };
      try {
        return await gateway.run(async (client) => {
          seen.outcome = 'timeout';
          try {
            const result = await fn(client);
            seen.outcome = 'ok';
            return result;
          } catch (err) {
            seen.outcome = 'failed';
            seen.errorType = errorType(err);
            throw err;
          }
        });
      } finally {
        // Still 'timeout' here: the gateway stopped waiting before fn settled.
        span.setAttribute(REDIS_OUTCOME, seen.outcome);
        if (seen.outcome !== 'ok') markFailed(span, seen.errorType ?? seen.outcome);
        span.end();
      }
    }
    return forward(gateway, { run });
  }

  function httpMiddleware({ routeOf }: { routeOf?: (ctx: Koa.Context) => string | undefined } = {}) {
    const middleware: Koa.Middleware = async (ctx, next) => {
      // From ROOT_CONTEXT: a request never inherits whatever happened to be active before it.
      const parent = propagator.extract(ROOT_CONTEXT, ctx.headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        ctx.method,
        { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: ctx.method } },
        parent,
      );
      let thrown: { status: number; type: string } | undefined;
      try {
        await context.with(trace.setSpan(parent, span), next);
      } catch (err) {
        // Only when nothing inside turned the error into a response; Koa answers it.
        const status = (err as { status?: unknown }).status;
        thrown = { status: typeof status === 'number' ? status : 500, type: errorType(err) };
        throw err;
      } finally {
        // The router sets the template during the request; the raw path (record ids) is never used.
        const route = (ctx.state.route as string | undefined) ?? routeOf?.(ctx);
        if (route) {
          span.updateName(`${ctx.method} ${route}`);
          span.setAttribute(ATTR_HTTP_ROUTE, route);
        }
        const status = thrown?.status ?? ctx.status;
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 500) markFailed(span, thrown?.type ?? String(status));
        span.end();
      }
    };
    return middleware;
  }

  return {
    tracer,
    enabled: true,
    httpMiddleware,
    wrapDatabase,
    wrapRedisGateway,
    currentTraceId() {
      const spanContext = trace.getSpanContext(context.active());
      return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    },
    async shutdown(timeoutMs = SHUTDOWN_TIMEOUT_MS) {
      let timer: NodeJS.Timeout | undefined;
      // A collector that refuses makes provider.shutdown() reject: traces are never worth a failed stop.
      await Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      // Lets a later createTracing register again (tests); spans after this are dropped anyway.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
