/**
 * The built server as a process (`make test` builds dist/ first): a bad configuration stops
 * the start naming the variable; SIGTERM drains and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from '../helpers/redis-servers.js';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { adminQuery, TEST_DATABASE_URL, uniqueSchema } from '../helpers/databases.js';

const MAIN = join(PROJECT_ROOT, 'dist', 'src', 'main.js');

function start(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
} {
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', AUTH_MODE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, output: () => out, exited };
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

describe('the server process', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    // A failed test must not leave a server behind.
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'make build' (make test does)`);
  });

  test('when a variable is bad, then it exits 1 and names the variable', async () => {
    const p = start({ PORT: 'eighty', BULK_MAX_ITEMS: '0' });
    children.push(p.child);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('PORT: expected an integer, got "eighty"');
    expect(p.output()).toContain('BULK_MAX_ITEMS: 0 is outside 1..1000');
  });

  test('when make run starts it, then a .env file configures it, the environment wins, and it runs on Node.js 24', async () => {
    // make run passes the same flag (Node's own .env reader, no dependency).
    expect(readFileSync(join(PROJECT_ROOT, 'Makefile'), 'utf8')).toMatch(
      /^run:[^\n]*\n(\t[^\n]*\n)*\t[^\n]*node --env-file-if-exists=\.env dist\/src\/main\.js/m,
    );
    const dir = mkdtempSync(join(tmpdir(), 'dapi-env-'));
    try {
      const port = await freePort();
      const envFile = join(dir, '.env');
      writeFileSync(
        envFile,
        `# a developer's .env\nPORT=${port}\nHOST=127.0.0.1\nPGLITE_DATA_DIR=memory://\nLOG_LEVEL=debug\n`,
      );
      const p = start({ LOG_LEVEL: 'info' }, [`--env-file-if-exists=${envFile}`]);
      children.push(p.child);
      await waitFor(`http://127.0.0.1:${port}/ready`, 30_000);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^nodejs_version_info\{version="v24\.\d+\.\d+",major="24",/m);
      // LOG_LEVEL=info from the environment won over debug in the file: no debug lines.
      expect(p.output()).not.toMatch(/"level":20/);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when NODE_ENV=production lacks CURSOR_SECRET, then it refuses to start', async () => {
    const p = start({ NODE_ENV: 'production' });
    children.push(p.child);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('CURSOR_SECRET: required when NODE_ENV=production');
  });

  test('when it runs and gets SIGTERM, then it serves, drains and exits 0', async () => {
    const port = await freePort();
    const p = start({
      PORT: String(port),
      HOST: '127.0.0.1',
      PGLITE_DATA_DIR: 'memory://',
      SHUTDOWN_GRACE_MS: '2000',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/health`, 20_000);
    const created = await fetch(`${base}/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'proc', payload: { ok: true } }),
    });
    expect(created.status).toBe(201);
    // Logs are written asynchronously: a burst of requests just before SIGTERM must all be in the
    // output, each line whole, the shutdown's own lines last.
    const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
    const answers = await Promise.all(
      ids.map((id) => fetch(`${base}/health`, { headers: { 'x-request-id': id } }).then((r) => r.status)),
    );
    expect(answers.every((s) => s === 200)).toBe(true);
    const signalled = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4000);
    const text = p.output();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; route?: string; status?: number; request_id?: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['listening on http://localhost:' + port, 'stopped']),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', route: '/data', status: 201 }));
    const logged = new Set(lines.filter((l) => l.msg === 'request').map((l) => l.request_id));
    expect(ids.filter((id) => !logged.has(id))).toEqual([]);
    expect(lines.at(-1)?.msg).toBe('stopped');
    expect(lines.at(-2)?.msg).toBe('shutting down');
  }, 90_000);

  test('when AUTH_MODE=none keeps the default HOST, then it listens on loopback only, says why, and MANAGEMENT_PORT takes /metrics', async () => {
    const [port, managementPort] = [await freePort(), await freePort()];
    const p = start({
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      PGLITE_DATA_DIR: 'memory://',
    });
    children.push(p.child);
    await waitFor(`http://127.0.0.1:${port}/ready`, 30_000);
    await waitFor(`http://127.0.0.1:${managementPort}/metrics`, 10_000);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    // The kernel's own table of listening sockets: both on 127.0.0.1, none on 0.0.0.0.
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === '0A')
      .map((f) => f[1] as string);
    const hexPort = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
    for (const n of [port, managementPort]) {
      expect(listening.filter((a) => a.endsWith(`:${hexPort(n)}`))).toEqual([`0100007F:${hexPort(n)}`]);
    }
    expect(p.output()).toContain('AUTH_MODE=none: listening on 127.0.0.1, not HOST=0.0.0.0');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 90_000);

  test('when it restarts on an existing embedded database, then it is ready within 12 s with the data kept', async () => {
    // The target is 2 s on an idle machine: test/performance/startup-time.mjs measures it
    // (docs/architecture.md, "Start-up"). This bound only catches a gross regression while the
    // other suites load the machine's two cores.
    const dataDir = mkdtempSync(join(tmpdir(), 'data-api-restart-'));
    try {
      const env = { HOST: '127.0.0.1', PGLITE_DATA_DIR: dataDir };
      const firstPort = await freePort();
      const first = start({ ...env, PORT: String(firstPort) });
      children.push(first.child);
      // The first start creates the database (initdb): slow, and not what is measured.
      await waitFor(`http://127.0.0.1:${firstPort}/ready`, 120_000);
      const created = await fetch(`http://127.0.0.1:${firstPort}/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'restart', payload: { kept: true } }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const port = await freePort();
      const started = Date.now();
      const second = start({ ...env, PORT: String(port) });
      children.push(second.child);
      await waitFor(`http://127.0.0.1:${port}/ready`, 30_000);
      const readyMs = Date.now() - started;
      expect(readyMs).toBeLessThan(12_000);
      expect((await fetch(`http://127.0.0.1:${port}/data/${id}`)).status).toBe(200);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  test('when WORKERS=0, then one worker per available core serves, and SIGTERM stops all', async () => {
    const schema = uniqueSchema();
    const port = await freePort();
    const p = start({
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKERS: '0',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      RATE_LIMIT_ENABLED: 'false',
      CACHE_ENABLED: 'false',
    });
    children.push(p.child);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(`${base}/ready`, 60_000);
      const cores = availableParallelism();
      const primary = p
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; workers?: number })
        .find((l) => l.msg === 'primary started');
      if (cores > 1) {
        expect(primary?.workers).toBe(cores);
        // Every worker listens before the primary counts as ready; wait until all are forked.
        const until = Date.now() + 60_000;
        let workers: string[] = [];
        while (Date.now() < until) {
          workers = execFileSync('ps', ['--ppid', String(p.child.pid), '-o', 'pid='])
            .toString()
            .trim()
            .split(/\s+/)
            .filter(Boolean);
          if (workers.length >= cores) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(workers).toHaveLength(cores);
      } else {
        expect(primary).toBeUndefined(); // one core: one process, no primary
      }
      expect((await fetch(`${base}/health`)).status).toBe(200);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      if (cores > 1) expect(p.output()).toContain('all workers stopped');
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  }, 90_000);

  test('when WORKERS=2, then two workers serve one port, cursors work across them, and SIGTERM stops all', async () => {
    const schema = uniqueSchema();
    const port = await freePort();
    const p = start({
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKERS: '2',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      RATE_LIMIT_ENABLED: 'false',
      CACHE_ENABLED: 'false',
    });
    children.push(p.child);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(`${base}/ready`, 60_000);
      const workers = execFileSync('ps', ['--ppid', String(p.child.pid), '-o', 'pid='])
        .toString()
        .trim()
        .split(/\s+/);
      expect(workers).toHaveLength(2);
      for (let i = 0; i < 6; i++) {
        await fetch(`${base}/data`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'paged', payload: { i } }),
        });
      }
      // Each page on a new connection: the kernel spreads them over both workers.
      let cursor: string | null = null;
      let seen = 0;
      do {
        const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await fetch(`${base}/data?user_id=paged&limit=1${q}`, {
          headers: { connection: 'close' },
        });
        expect(res.status).toBe(200);
        const page = (await res.json()) as { items: unknown[]; next_cursor: string | null };
        seen += page.items.length;
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toBe(6);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(p.output()).toContain('all workers stopped');
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  }, 90_000);
});
