/**
 * `make partitions` (node dist/src/cli/partitions.js): the partition maintenance of records as a
 * job, for a cron job or for instances run with PARTITION_MAINTAIN_SECONDS=0 (docs/partitioning.md).
 * Creates the next PARTITION_PREMAKE_MONTHS months, drops what PARTITION_RETENTION_MONTHS lets go,
 * logs each change and exits; 1 when it failed or records is not partitioned.
 *   --from YYYY-MM   also create every month from this one (before loading old rows)
 *   --drop NAME      detach and drop this partition, refused unless the retention allows it
 */
import { parseArgs } from 'node:util';
import { loadToolConfig } from '../config/tool-config.js';
import { openStorage } from '../data/open-storage.js';
import { createLogger } from '../observability/logger.js';

const { values } = parseArgs({ options: { from: { type: 'string' }, drop: { type: 'string' } } });
// The job migrates nothing and schedules nothing: it runs the maintenance once, below.
const config = loadToolConfig({ MIGRATE_ON_START: 'false', PARTITION_MAINTAIN_SECONDS: '0' });
const logger = createLogger(config.logLevel);
let from: Date | undefined;
if (values.from !== undefined) {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(values.from)) {
    process.stderr.write(`data-api partitions: --from expects YYYY-MM, got "${values.from}"\n`);
    process.exit(2);
  }
  from = new Date(`${values.from}-01T00:00:00Z`);
}

const storage = await openStorage(config, logger);
let code = 0;
try {
  if (!storage.partitions) {
    logger.info(
      { database: storage.kind },
      'the database partitions records itself (interval partitioning): nothing to do',
    );
  } else if (values.drop !== undefined) {
    await storage.partitions.drop(values.drop, config.partitions, { logger });
  } else {
    const result = await storage.partitions.maintain(config.partitions, { from, logger });
    if (result.skipped) {
      logger.error({ reason: result.skipped }, 'partition maintenance skipped');
      code = 1;
    } else {
      logger.info(
        {
          created: result.created,
          dropped: result.dropped,
          partitions: result.partitions.map((p) => p.name),
        },
        'partitions up to date',
      );
    }
  }
} catch (err) {
  logger.error({ err }, 'partition maintenance failed');
  code = 1;
} finally {
  await storage.close();
}
process.exit(code);
