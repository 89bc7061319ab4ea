/** Health, readiness, the published contract and the documentation page. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Context } from 'openapi-backend';
import type { components } from '../../../generated/openapi.js';
import type { Registry } from 'prom-client';
import type { Database } from '../../data/database.js';
import type { RedisGateway } from '../../redis/redis-gateway.js';
import { AppError } from '../../domain/errors.js';
import type { Contract } from '../contract.js';
import type { Reply } from '../reply.js';

export interface Lifecycle {
  /** True once shutdown began: readiness answers 503 so the load balancer stops routing here. */
  draining: boolean;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>data-api: API documentation</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const ASSETS: Record<string, { file?: string; text?: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript' },
  'docs-init.js': { text: DOCS_INIT, type: 'text/javascript' },
};

const assetCache = new Map<string, Buffer>();

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
}

function asset(name: string): Buffer | undefined {
  const spec = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : undefined;
  if (!spec) return undefined;
  let bytes = assetCache.get(name);
  if (!bytes) {
    bytes = spec.text !== undefined ? Buffer.from(spec.text) : readFileSync(join(swaggerUiDir(), spec.file!));
    assetCache.set(name, bytes);
  }
  return bytes;
}

export interface OperationsDeps {
  metrics: Pick<Registry, 'metrics' | 'contentType'>;
  db: Pick<Database, 'ping'>;
  redis: Pick<RedisGateway, 'configured' | 'ping'>;
  contract: Contract;
  lifecycle: Lifecycle;
  /** Cache-Control max-age of the contract and the documentation files. */
  referenceTtlSeconds: number;
}

export function operationsHandlers(deps: OperationsDeps) {
  const referenceCaching = { 'Cache-Control': `public, max-age=${deps.referenceTtlSeconds}` };
  return {
    getHealth(): Reply {
      const body: components['schemas']['Health'] = {
        status: 'healthy',
        timestamp: new Date().toISOString(),
      };
      return { status: 200, body };
    },

    async getReadiness(): Promise<Reply> {
      const database = await deps.db.ping().then(
        () => true,
        () => false,
      );
      // The cache is optional: without it the service is slower, not wrong ("degraded").
      const checks: components['schemas']['Checks'] = deps.redis.configured
        ? { database, cache: await deps.redis.ping() }
        : { database };
      if (deps.lifecycle.draining || !database) {
        const failing = deps.lifecycle.draining ? 'the server is shutting down' : 'database';
        throw new AppError('notReady', {
          detail: `Not ready to serve traffic: ${failing}.`,
          extra: { checks },
          headers: { 'Retry-After': '5' },
        });
      }
      const body: components['schemas']['Readiness'] = {
        status: checks.cache === false ? 'degraded' : 'ready',
        checks,
      };
      return { status: 200, body };
    },

    async getMetrics(): Promise<Reply> {
      return { status: 200, body: await deps.metrics.metrics(), type: deps.metrics.contentType };
    },

    getOpenapiJson(): Reply {
      return { status: 200, body: deps.contract.json, type: 'application/json', headers: referenceCaching };
    },

    getOpenapiYaml(): Reply {
      return { status: 200, body: deps.contract.yaml, type: 'application/yaml', headers: referenceCaching };
    },

    getDocs(): Reply {
      return { status: 200, body: DOCS_PAGE, type: 'text/html; charset=utf-8' };
    },

    getDocsAsset(c: Context): Reply {
      const name = c.request.params.asset as string;
      const bytes = asset(name);
      if (!bytes) throw new AppError('routeNotFound', { detail: `No documentation file is named ${name}.` });
      return {
        status: 200,
        body: bytes,
        type: `${ASSETS[name]!.type}; charset=utf-8`,
        headers: referenceCaching,
      };
    },
  };
}
