/**
 * The only file that listens, handles signals and exits. Shutdown order: not ready, stop
 * accepting, let in-flight requests finish within the grace period, close the database, exit.
 *
 * Start-up (docs/architecture.md, "Start-up"): only what is configured is loaded (the OpenTelemetry
 * SDK, ioredis, pg or PGlite are imported on demand), and the database opens while the
 * application's modules load and the contract is parsed.
 */
import cluster from 'node:cluster';
import { runPrimary } from './cluster.js';
import { ConfigError, loadConfig, workerEnv } from './config/config.js';
import { openStorage } from './data/open-storage.js';
import { createHttpServer } from './http-server.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, flushLogs } from './observability/logger.js';
import { openTracing } from './observability/open-tracing.js';
import { PROJECT_ROOT } from './config/paths.js';
import { openRedisGateway } from './redis/open-redis.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`data-api: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) {
    runPrimary(config.workers, logger, workerEnv(config));
    return;
  }
  // Unsafe settings in force (AUTH_MODE=none, TLS_EXEMPT), each named: an opt-out is never silent.
  for (const warning of config.warnings) logger.warn(warning);
  if (config.cursorSecretGenerated) {
    logger.warn('CURSOR_SECRET is not set: cursors are signed with a per-process key (development only)');
  }
  // Independent start-up work at once: PGlite compiles its WebAssembly off the main thread and
  // reads its files while the application's modules load and the contract is parsed (loadContract
  // keeps it; createApp gets the same one).
  const [opened, { createApp }, tracing, gateway] = await Promise.all([
    openStorage(config, logger),
    import('./app.js'),
    openTracing({
      endpoint: config.otelEndpoint,
      serviceName: config.otelServiceName,
      serviceVersion: (
        JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
      ).version,
    }),
    openRedisGateway(config, (state) => logger.warn({ state }, 'redis circuit changed')),
    import('./api/contract.js').then(({ loadContract }) => loadContract()),
  ]);
  if (config.otelEndpoint) logger.info({ endpoint: new URL(config.otelEndpoint).origin }, 'tracing on');
  // A span per statement of the repository and the idempotency store, where the driver allows it.
  const storage = opened.instrument(tracing.wrapDatabase);
  const redis = tracing.wrapRedisGateway(gateway);
  const app = await createApp({ config, storage, logger, redis, tracing });
  const { koa, lifecycle } = app;

  const server = createHttpServer(koa, config);
  // MANAGEMENT_PORT: /metrics (and the probes) on a listener of their own.
  const management = app.management && createHttpServer(app.management, config);
  management?.listen(config.managementPort, config.host, () => {
    logger.info(
      { host: config.host, port: config.managementPort },
      'management listener: /metrics, /health, /ready',
    );
  });
  server.listen(config.port, config.host, () => {
    logger.info({ host: config.host, port: config.port }, `listening on http://localhost:${config.port}`);
    // In the background: /health and traffic are served meanwhile.
    app.warmCache().then(
      (users) => logger.info({ users }, 'cache warmed'),
      (err: unknown) => logger.warn({ err }, 'cache warming failed'),
    );
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, delay_ms: config.shutdownDelayMs, grace_ms: config.shutdownGraceMs },
      'shutting down',
    );
    // 1. Not ready: load balancers stop routing here; answers now close their connections.
    lifecycle.draining = true;
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
    // 2. Stop accepting; idle keep-alive connections close now, busy ones after their answer.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // 3. In-flight requests get the grace period; then whatever is left is cut.
    const timer = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    await closed;
    clearTimeout(timer);
    // The management listener last, so the drain itself can still be scraped.
    if (management) {
      const done = new Promise<void>((resolve) => management.close(() => resolve()));
      management.closeAllConnections();
      await done;
    }
    // 4. Pools and Redis close; exit 0.
    await storage.close().catch((err: unknown) => logger.error({ err }, 'closing the database failed'));
    await redis.close();
    // Last, so the spans of the steps above are exported; at most 2 s, never throws.
    await tracing.shutdown();
    logger.info('stopped');
    // The log destination is asynchronous: every line reaches stdout before the exit.
    await flushLogs(logger);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`data-api: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
