/**
 * Prints the configuration key table as JSON, from the schema itself (src/config/config-keys.ts):
 * name -> {kind, doc, default?, min?, max?, values?, secret?}, defaults as environment text.
 * The chart, values-schema and compose checks read it (mk/checks/config_keys.py).
 *   node dist/src/cli/config-keys.js
 */
import { keyTable } from '../config/config-keys.js';

process.stdout.write(`${JSON.stringify(keyTable(), null, 2)}\n`);
