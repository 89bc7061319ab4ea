/**
 * A restart under load, as a load balancer sees it: steady traffic goes to two instances of the
 * built server; one gets SIGTERM. The balancer (here: a client that routes only to instances
 * whose /ready answers 200, checked every 50 ms) moves the traffic to the other. Not one request
 * may fail, and the stopped process must exit 0 within its grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../helpers/redis-servers.js';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { adminQuery, TEST_DATABASE_URL, uniqueSchema } from '../helpers/databases.js';

const MAIN = join(PROJECT_ROOT, 'dist', 'src', 'main.js');

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function send(port: number, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a restart under load', () => {
  const schema = uniqueSchema();
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    agent.destroy();
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('when one of two instances gets SIGTERM, then no request fails and it exits 0 in time', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'make build' (make test does)`);
    const ports = [await freePort(), await freePort()];
    const exits = ports.map((port) => {
      const child = spawn(process.execPath, [MAIN], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          DATABASE_URL: TEST_DATABASE_URL,
          DATABASE_SCHEMA: schema,
          RATE_LIMIT_ENABLED: 'false',
          AUTH_MODE: 'none',
          SHUTDOWN_DELAY_MS: '500',
          SHUTDOWN_GRACE_MS: '3000',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    });
    const healthy = new Set<number>();
    const until = Date.now() + 60_000;
    while (healthy.size < 2 && Date.now() < until) {
      for (const port of ports)
        if ((await send(port, 'GET', '/ready').catch(() => 0)) === 200) healthy.add(port);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy.size).toBe(2);

    // The balancer's health checks.
    let running = true;
    const checker = (async () => {
      while (running) {
        for (const port of ports) {
          const status = await send(port, 'GET', '/ready').catch(() => 0);
          if (status === 200) healthy.add(port);
          else healthy.delete(port);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const failures: string[] = [];
    let done = 0;
    let turn = 0;
    const load = async () => {
      while (running) {
        const targets = [...healthy];
        const port = targets[turn++ % targets.length] as number;
        const write = turn % 3 === 0;
        try {
          const status = write
            ? await send(port, 'POST', '/data', JSON.stringify({ user_id: 'lb', payload: { turn } }))
            : await send(port, 'GET', '/data?user_id=lb&limit=5');
          if (status !== (write ? 201 : 200)) failures.push(`${port}: ${status}`);
        } catch (err) {
          failures.push(`${port}: ${(err as Error).message}`);
        }
        done++;
      }
    };
    const workers = Array.from({ length: 4 }, load);

    await new Promise((r) => setTimeout(r, 1000));
    const signalled = Date.now();
    children[0]!.kill('SIGTERM');
    const exitCode = await exits[0]!;
    const exitedAfter = Date.now() - signalled;
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all([...workers, checker]);

    expect(failures).toEqual([]);
    expect(done).toBeGreaterThan(50);
    expect(exitCode).toBe(0);
    // SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS, and a little for closing the pools.
    expect(exitedAfter).toBeLessThan(500 + 3000 + 1500);
  }, 120_000);
});
