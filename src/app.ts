/**
 * createApp builds the Koa application: middleware order, the contract router and the
 * handlers over the services. It never listens; main.ts does.
 */
import { constants as zlib } from 'node:zlib';
import Koa from 'koa';
import compress from 'koa-compress';
import type { Config } from './config.js';
import type { AnyDatabase } from './data/open-database.js';
import { OracleRecordsRepository } from './data/oracle/oracle-records-repository.js';
import { OracleSqlCatalog } from './data/oracle/oracle-sql.js';
import { PostgresRecordsRepository, type RecordsRepository } from './data/records-repository.js';
import { SqlCatalog } from './data/sql-catalog.js';
import { createBackend, type Backend } from './api/backend.js';
import { loadContract } from './api/contract.js';
import { operationsHandlers, type Lifecycle } from './api/handlers/operations-handlers.js';
import { recordsHandlers } from './api/handlers/records-handlers.js';
import { problemResponses, requestLog } from './api/middleware.js';
import type { Logger } from './observability/logger.js';
import { POSTGRES_QUERIES_DIR } from './paths.js';
import { RecordsService } from './services/records-service.js';

export interface AppDeps {
  config: Readonly<Config>;
  db: AnyDatabase;
  logger: Logger;
}

export interface App {
  koa: Koa;
  backend: Backend;
  lifecycle: Lifecycle;
}

// Envelope levels above a payload: {"items": [{"payload": ...}]}.
const ENVELOPE_DEPTH = 3;

export async function createApp({ config, db, logger }: AppDeps): Promise<App> {
  const contract = loadContract();
  const repository: RecordsRepository =
    db.kind === 'oracle'
      ? new OracleRecordsRepository(db, OracleSqlCatalog.load())
      : new PostgresRecordsRepository(db, SqlCatalog.load(POSTGRES_QUERIES_DIR));
  const service = new RecordsService(repository, {
    payloadLimitBytes: config.payloadLimitBytes,
    jsonMaxDepth: config.jsonMaxDepth,
    bulkMaxItems: config.bulkMaxItems,
    cursorSecret: config.cursorSecret,
  });
  const lifecycle: Lifecycle = { draining: false };
  const backend = await createBackend(
    contract.document(),
    { ...recordsHandlers(service), ...operationsHandlers({ db, contract, lifecycle }) },
    { bodyLimitBytes: config.bodyLimitBytes, maxDepth: config.jsonMaxDepth + ENVELOPE_DEPTH },
  );

  const koa = new Koa({ proxy: false });
  koa.silent = true;
  koa.use(requestLog(logger));
  koa.use(problemResponses(logger));
  koa.use(
    compress({
      threshold: config.compressionThresholdBytes,
      gzip: { flush: zlib.Z_SYNC_FLUSH },
      br: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
      deflate: false,
    }),
  );
  koa.use(backend.dispatch);
  return { koa, backend, lifecycle };
}
