/** `make migrate`: applies pending migrations to the configured database and exits. */
import { loadConfig } from '../config/config.js';
import { openStorage } from '../data/open-storage.js';
import { createLogger } from '../observability/logger.js';

const config = loadConfig({ ...process.env, MIGRATE_ON_START: 'true' }, { serving: false });
const storage = await openStorage(config, createLogger(config.logLevel));
await storage.close();
