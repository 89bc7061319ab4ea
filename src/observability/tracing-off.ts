/**
 * Tracing without the OpenTelemetry SDK: off (no OTLP endpoint), every helper is a pass-through
 * and nothing of the SDK is loaded; on, openTracing loads tracing.ts, which holds the SDK.
 * Loading the SDK costs start-up time a process without tracing should not pay.
 */
import { ProxyTracerProvider } from '@opentelemetry/api';
import type { Tracing, TracingOptions } from './tracing.js';

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

/** createTracing (tracing.ts), with the SDK loaded only when options.endpoint is set. */
export async function openTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint) return tracingOff();
  const { createTracing } = await import('./tracing.js');
  return createTracing(options);
}
