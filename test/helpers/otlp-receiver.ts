/**
 * A small OTLP/HTTP trace receiver on a loopback port: what a collector would get from the
 * service. @opentelemetry/exporter-trace-otlp-http sends http/json (protobuf is the -proto
 * exporter), so every POST /v1/traces body is parsed as JSON; gzip is accepted in case
 * OTEL_EXPORTER_OTLP_COMPRESSION is set where the tests run.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

type AttributeValue = string | number | boolean;

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: number;
  attributes?: OtlpKeyValue[];
  status?: { code?: number; message?: string };
}

interface OtlpExport {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** OTLP's enums: SpanKind and StatusCode as they travel (SpanKind is the API's value + 1). */
export const OTLP_KIND = { server: 2, client: 3 } as const;
export const OTLP_STATUS = { unset: 0, ok: 1, error: 2 } as const;

export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, AttributeValue>;
  statusCode: number;
  resource: Record<string, AttributeValue>;
}

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every request body as it arrived (decompressed): for "never appears anywhere" checks. */
  rawBodies: string[];
  spans(): ExportedSpan[];
  close(): Promise<void>;
}

function flatten(attributes: OtlpKeyValue[] = []): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of attributes) {
    const v = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    if (v !== undefined) out[key] = typeof v === 'string' && value.intValue !== undefined ? Number(v) : v;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/** A receiver on a free loopback port; answerAfterMs plays a slow collector. */
export async function startOtlpReceiver(options: { answerAfterMs?: number } = {}): Promise<OtlpReceiver> {
  const rawBodies: string[] = [];
  const answers: Promise<void>[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const answered = readBody(req).then(async (body) => {
      rawBodies.push(body.toString('utf8'));
      await new Promise((resolve) => setTimeout(resolve, options.answerAfterMs ?? 0));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    answers.push(answered.catch(() => void res.writeHead(400).end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    rawBodies,
    spans() {
      return rawBodies.flatMap((raw) =>
        ((JSON.parse(raw) as OtlpExport).resourceSpans ?? []).flatMap((rs) => {
          const resource = flatten(rs.resource?.attributes);
          return (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((s): ExportedSpan => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              traceState: s.traceState || undefined,
              name: s.name,
              kind: s.kind,
              attributes: flatten(s.attributes),
              statusCode: s.status?.code ?? OTLP_STATUS.unset,
              resource,
            })),
          );
        }),
      );
    },
    async close() {
      // Every request is answered first: an exporter cut off mid-request would retry in the background.
      await Promise.all(answers);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
