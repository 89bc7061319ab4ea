/** `make migrate`: applies pending migrations to the configured database and exits. */
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../data/open-database.js';
import { createLogger } from '../observability/logger.js';

const config = loadConfig({ ...process.env, MIGRATE_ON_START: 'true' }, { serving: false });
const db = await openDatabase(config, createLogger(config.logLevel));
await db.close();
