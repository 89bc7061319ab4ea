/** `make migrate`: applies pending migrations to the configured database and exits. */
import { loadToolConfig } from '../config/tool-config.js';
import { openStorage } from '../data/open-storage.js';
import { createLogger } from '../observability/logger.js';

const config = loadToolConfig({ MIGRATE_ON_START: 'true' });
const storage = await openStorage(config, createLogger(config.logLevel));
await storage.close();
