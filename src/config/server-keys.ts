/** Keys of the server process: listening, logging, request limits, tracing, workers and shutdown. */
import { flag, integer, oneOf, text, url } from './key-kinds.js';

export const serverKeys = {
  NODE_ENV: oneOf(['development', 'test', 'production'], {
    default: 'development',
    doc: 'Runtime environment; production refuses unsafe settings (no CURSOR_SECRET, guessable secrets, connections without verified TLS).',
  }),
  HOST: text({ default: '0.0.0.0', doc: 'Address to listen on.' }),
  PORT: integer({ default: 8000, min: 0, max: 65535, doc: 'Port to listen on.' }),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    doc: 'Minimum level of the JSON log lines.',
  }),
  MANAGEMENT_PORT: integer({
    min: 1,
    max: 65535,
    doc: 'Port of the management listener (on HOST): /metrics moves there (404 on PORT), and /health and /ready answer on both. Unset: everything on PORT.',
  }),
};

export const trafficKeys = {
  MAX_REQUESTS_IN_FLIGHT: integer({
    default: 1000,
    min: 0,
    max: 1000000,
    doc: 'Most requests in progress at once per process; past it, new ones answer 503 at once (0: no limit).',
  }),
  MAX_BODY_BYTES_IN_FLIGHT: integer({
    default: 33554432,
    min: 0,
    max: 10737418240,
    doc: 'Most request body bytes in progress at once per process (declared Content-Length, or BODY_LIMIT_BYTES when unknown); past it, new requests with a body answer 503 at once (0: no limit).',
  }),
  SHED_EVENT_LOOP_LAG_MS: integer({
    default: 100,
    min: 0,
    max: 60000,
    doc: 'Event-loop lag (how late a 20 ms timer fires, two samples in a row: one stall is no overload) past which new requests answer 503 at once, until the loop catches up (0: off).',
  }),
  SHED_POOL_WAIT_MS: integer({
    default: 100,
    min: 0,
    max: 60000,
    doc: 'While requests wait for a PostgreSQL pool connection, the wait of the last one served past which new requests answer 503 at once, until the queue is short again (0: off).',
  }),
  RATE_LIMIT_ENABLED: flag({
    default: true,
    doc: 'Limit requests per subject (the authenticated caller, else the client address); over the limit answers 429.',
  }),
  RATE_LIMIT_READ_PER_MINUTE: integer({
    default: 100,
    min: 1,
    max: 1000000,
    doc: 'Reads (GET, HEAD, OPTIONS) per subject per minute.',
  }),
  RATE_LIMIT_WRITE_PER_MINUTE: integer({
    default: 100,
    min: 1,
    max: 1000000,
    doc: 'Writes (POST, PUT, PATCH, DELETE) per subject per minute.',
  }),
  RATE_LIMIT_WINDOW_SECONDS: integer({
    default: 60,
    min: 1,
    max: 3600,
    doc: 'Burst window: a rested subject may spend rate x window / 60 requests at once; the rate stays per minute.',
  }),
};

export const requestKeys = {
  BODY_LIMIT_BYTES: integer({
    default: 1048576,
    min: 1024,
    max: 104857600,
    doc: 'Largest request body; larger answers 413.',
  }),
  PAYLOAD_LIMIT_BYTES: integer({
    default: 65536,
    min: 16,
    max: 104857600,
    doc: 'Largest serialized payload of one record; larger answers 413.',
  }),
  JSON_MAX_DEPTH: integer({
    default: 32,
    min: 2,
    max: 1000,
    doc: 'Deepest nesting of objects and arrays accepted in a payload.',
  }),
  JSON_MAX_NUMBER_DIGITS: integer({
    default: 1000,
    min: 20,
    max: 16383,
    doc: 'Most digits of one payload number, written out in plain decimal notation as stored (1e300 has 301); more answers 400.',
  }),
  BULK_MAX_ITEMS: integer({
    default: 1000,
    min: 1,
    max: 1000,
    doc: 'Most items in one bulk create (the contract allows at most 1000).',
  }),
};

export const processKeys = {
  OTEL_EXPORTER_OTLP_ENDPOINT: url({
    doc: 'OTLP/HTTP base URL of an OpenTelemetry collector (http://collector:4318); traces go to <url>/v1/traces. Unset: no tracing.',
  }),
  OTEL_SERVICE_NAME: text({ default: 'data-api', doc: 'service.name of the exported traces.' }),
  IDEMPOTENCY_TTL_SECONDS: integer({
    default: 86400,
    min: 60,
    max: 2592000,
    doc: 'How long an Idempotency-Key and its response are kept (24 hours by default).',
  }),
  IDEMPOTENCY_LEASE_SECONDS: integer({
    default: 30,
    min: 2,
    max: 3600,
    doc: 'How long a request holds its Idempotency-Key before a retry may take it over (after a crash); longer than the pool wait plus the statement timeout.',
  }),
  CURSOR_SECRET: text({
    doc: 'Key (32+ characters) that signs pagination cursors; required, and not guessable, in production. Unset elsewhere: a random key per process.',
    secret: true,
  }),
  COMPRESSION_THRESHOLD_BYTES: integer({
    default: 1024,
    min: 0,
    max: 104857600,
    doc: 'Smallest response body that is compressed (gzip or brotli, as the client accepts).',
  }),
  REQUEST_TIMEOUT_MS: integer({
    default: 30000,
    min: 1000,
    max: 600000,
    doc: 'Time allowed to receive a whole request.',
  }),
  WORKERS: integer({
    default: 1,
    min: 0,
    max: 64,
    doc: 'Worker processes on this host (node:cluster); they share the port. 0: one per core the process may use (os.availableParallelism(), which follows the container CPU limit), or 1 with the embedded database. Above 1 needs DATABASE_URL or Oracle (the embedded database is one process).',
  }),
  KEEP_ALIVE_TIMEOUT_MS: integer({
    default: 65000,
    min: 1000,
    max: 3600000,
    doc: 'How long an idle keep-alive connection stays open; keep it above the idle timeout of the load balancer in front (AWS ALB and nginx 60 s, GCP 600 s, Envoy 1 h).',
  }),
  SHUTDOWN_DELAY_MS: integer({
    default: 0,
    min: 0,
    max: 600000,
    doc: 'On SIGTERM, time to keep serving (with /ready at 503) before closing the listener, so load balancers stop routing here first.',
  }),
  SHUTDOWN_GRACE_MS: integer({
    default: 10000,
    min: 0,
    max: 600000,
    doc: 'On SIGTERM, time given to in-flight requests before connections are closed.',
  }),
};
