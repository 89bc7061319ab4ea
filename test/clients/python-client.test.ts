/**
 * The Python client generated with openapi-python-client (clients/python/), against the real
 * server over PostgreSQL with authentication on: clients/python/flow.py runs the partners' flow,
 * and mypy --strict checks it with the generated package. Needs the venv that `make test` (and
 * `make client-python`) installs in .tools/venv-clients/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { AUTH_ENV, mintToken } from './helpers.js';

const run = promisify(execFile);
const VENV = join(PROJECT_ROOT, '.tools', 'venv-clients');
const PYTHON = join(VENV, 'bin', 'python');
const CLIENT_DIR = join(PROJECT_ROOT, 'clients', 'python');

describe('the generated Python client', () => {
  beforeAll(() => {
    if (!existsSync(PYTHON)) {
      throw new Error(`no Python venv at ${VENV}: run 'make client-python-venv' (make test does)`);
    }
  });

  test('when the flow program runs against the server, then every step passes', async () => {
    const s: TestServer = await startServer('postgres', AUTH_ENV);
    try {
      const { stdout } = await run(PYTHON, [join(CLIENT_DIR, 'flow.py')], {
        env: {
          PATH: process.env.PATH,
          PYTHONPATH: join(CLIENT_DIR, 'data-api-client'),
          PYTHONDONTWRITEBYTECODE: '1',
          DATA_API_URL: s.url,
          DATA_API_USER: 'python-flow',
          DATA_API_TOKEN: await mintToken('python-flow'),
        },
      });
      expect(stdout).toMatch(/^python client flow: \d+ steps passed$/m);
    } finally {
      await s.close();
    }
  }, 60_000);

  test('when the flow program and the generated package are type-checked, then mypy --strict finds nothing', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'mypy-'));
    try {
      const { stdout } = await run(
        join(VENV, 'bin', 'mypy'),
        ['--strict', '--cache-dir', cache, 'flow.py', 'data-api-client/data_api_client'],
        { cwd: CLIENT_DIR, env: { PATH: process.env.PATH, MYPYPATH: 'data-api-client' } },
      );
      expect(stdout).toMatch(/^Success: no issues found/m);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);
});
