/** Health, readiness, the published contract and the documentation page. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Context } from 'openapi-backend';
import type { components } from '../../../generated/openapi.js';
import type { Registry } from 'prom-client';
import { AppError } from '../../domain/errors.js';
import { checkReadiness, type ReadinessDeps } from '../../services/readiness.js';
import type { Reply } from '../../services/reply.js';
import type { Contract } from '../contract.js';
import { contractHandlers } from './contract-handlers.js';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>data-api: API documentation</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script>
</body>
</html>
`;

// The contract lists the servers partners call; this page sends its requests to the server that
// served it, whatever its address (and the Content-Security-Policy allows no other).
const DOCS_INIT = `fetch('/openapi.json')
  .then((response) => response.json())
  .then((spec) => {
    spec.servers = [{ url: window.location.origin, description: 'The server of this page' }];
    window.ui = SwaggerUIBundle({ spec, dom_id: '#swagger-ui', deepLinking: true });
  });
`;

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
  readiness: ReadinessDeps;
  contract: Contract;
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
      const { failing, checks } = await checkReadiness(deps.readiness);
      if (failing !== undefined) {
        throw new AppError('notReady', {
          detail: `Not ready to serve traffic: ${failing}.`,
          extra: { checks },
          retryAfterSeconds: 5,
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

    ...contractHandlers(deps),

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
