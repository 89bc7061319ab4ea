/**
 * openTracing: tracing on with the OpenTelemetry SDK (otel-tracing.ts) only when an OTLP
 * endpoint is set, so a process without tracing never loads the SDK (start-up time).
 */
import { tracingOff, type Tracing, type TracingOptions } from './tracing.js';

/** createTracing, with the SDK loaded only when options.endpoint is set. */
export async function openTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint) return tracingOff();
  const { createTracing } = await import('./otel-tracing.js');
  return createTracing(options);
}
