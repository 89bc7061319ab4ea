/** The repository contract on the embedded PGlite and on the PostgreSQL server. */
import { PostgresRecordsRepository } from '../../src/data/records-repository.js';
import { SqlCatalog } from '../../src/data/sql-catalog.js';
import { POSTGRES_QUERIES_DIR } from '../../src/config/paths.js';
import { BACKENDS, openTestDatabase } from '../helpers/databases.js';
import { describeRepositoryContract } from './repository-contract.js';

for (const kind of BACKENDS) {
  describeRepositoryContract(kind, async () => {
    const t = await openTestDatabase(kind);
    return {
      repo: new PostgresRecordsRepository(t.db, SqlCatalog.load(POSTGRES_QUERIES_DIR)),
      close: t.drop,
    };
  });
}
