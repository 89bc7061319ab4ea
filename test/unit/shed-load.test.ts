/**
 * The shedding on event-loop lag, with the lag source injected: the middleware in a bare Koa app
 * behind the error middleware, over real HTTP; and the process's own sampler against a loop held
 * for real.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import Koa from 'koa';
import { problemResponses } from '../../src/api/middleware/problem-responses.js';
import { shedLoad, type ShedReason } from '../../src/api/middleware/shed-load.js';
import { eventLoopLag, SAMPLE_MS } from '../../src/observability/event-loop-lag.js';
import { createLogger } from '../../src/observability/logger.js';

async function serve(thresholdMs: number, lag: { ms: number }, shed: ShedReason[]) {
  const koa = new Koa();
  koa.silent = true;
  koa.use(problemResponses(createLogger('silent')));
  koa.use(
    shedLoad({
      maxRequests: 0,
      maxBodyBytes: 0,
      bodyLimitBytes: 1024,
      lag: { source: { lagMs: () => lag.ms }, thresholdMs },
      exempt: /^\/health$/,
      onShed: (reason) => shed.push(reason),
    }),
  );
  koa.use((ctx) => {
    ctx.body = { ok: true };
  });
  const server: Server = koa.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('shedLoad on event-loop lag (a fake lag source)', () => {
  test('when the lag is over the threshold, then a request is 503 overloaded with Retry-After, a probe is served, and once the lag is under it requests are served again', async () => {
    const lag = { ms: 10 };
    const shed: ShedReason[] = [];
    const app = await serve(50, lag, shed);
    try {
      expect((await fetch(`${app.url}/data`)).status).toBe(200);
      lag.ms = 80;
      const refused = await fetch(`${app.url}/data`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({
        code: 'DAPI-5033',
        title: 'Overloaded',
        detail: 'The server is 80 ms behind (limit 50 ms); retry shortly.',
      });
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
      expect(shed).toEqual(['event_loop_lag']);
      // At the threshold is not past it.
      lag.ms = 50;
      expect((await fetch(`${app.url}/data`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('when the threshold is 0, then no lag sheds', async () => {
    const shed: ShedReason[] = [];
    const app = await serve(0, { ms: 1e6 }, shed);
    try {
      expect((await fetch(`${app.url}/data`)).status).toBe(200);
      expect(shed).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('eventLoopLag (the process sampler)', () => {
  test('when the loop is held, then the lag read in that same turn is at least the time held past one sample', async () => {
    const source = eventLoopLag();
    expect(eventLoopLag()).toBe(source);
    // Let the sampler take a sample on time first.
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS * 3));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      /* busy */
    }
    expect(source.lagMs()).toBeGreaterThanOrEqual(300 - SAMPLE_MS);
  });
});
