/** `make migrate`: applies pending migrations to the configured database and exits. */
import { loadToolConfig } from '../config/tool-config.js';
import { openDatabase } from '../data/open-database.js';
import { createLogger } from '../observability/logger.js';

const config = loadToolConfig({ MIGRATE_ON_START: 'true' });
const db = await openDatabase(config, createLogger(config.logLevel));
await db.close();
