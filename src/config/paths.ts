/** Where the files read at run time live (openapi/, sql/), from src/ or from dist/src/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'openapi', 'openapi.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no openapi/openapi.yaml above ${start}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const CONTRACT_PATH = join(PROJECT_ROOT, 'openapi', 'openapi.yaml');
/** The partner view: the contract without its x-internal operations (`make generate` writes it). */
export const PARTNER_CONTRACT_PATH = join(PROJECT_ROOT, 'openapi', 'partner.yaml');
export const POSTGRES_QUERIES_DIR = join(PROJECT_ROOT, 'sql', 'postgres', 'queries');
export const POSTGRES_MIGRATIONS_DIR = join(PROJECT_ROOT, 'sql', 'postgres', 'migrations');
