/** The cache's Lua scripts (record-scripts.ts, page-scripts.ts), defined once per Redis client. */
import type { RedisClient, RedisGateway } from '../redis/redis-gateway.js';
import { TurnPipeline } from '../redis/turn-pipeline.js';
import { PAGE_SCRIPTS, type PageCommands } from './page-scripts.js';
import { RECORD_SCRIPTS, type RecordCommands } from './record-scripts.js';

export type CacheCommands = PageCommands & RecordCommands;

/**
 * The client with the cache's scripts defined on it (once per client). A pipeline takes the
 * client's scripts when it is made, so make pipelines from the client this returns.
 */
export function withCacheScripts(c: RedisClient): RedisClient & CacheCommands {
  const client = c as RedisClient & Partial<CacheCommands>;
  if (!client.dapiRecordPut) {
    for (const [name, def] of Object.entries({ ...PAGE_SCRIPTS, ...RECORD_SCRIPTS }))
      c.defineCommand(name, def);
  }
  return client as RedisClient & CacheCommands;
}

/** The gateway's turn pipeline, with the cache's scripts among its commands. */
export function cachePipeline(redis: RedisGateway): TurnPipeline {
  return TurnPipeline.of(redis).define({ ...PAGE_SCRIPTS, ...RECORD_SCRIPTS });
}
