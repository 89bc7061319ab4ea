/**
 * The shedding on measured delays (event-loop lag, pool wait), with the sources injected: the middleware in a bare Koa app
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

async function serve(thresholdMs: number, lag: { ms: number }, shed: ShedReason[], wait = { ms: 0 }) {
  const koa = new Koa();
  koa.silent = true;
  koa.use(problemResponses(createLogger('silent')));
  koa.use(
    shedLoad({
      maxRequests: 0,
      maxBodyBytes: 0,
      bodyLimitBytes: 1024,
      signals: [
        { reason: 'event_loop_lag', measureMs: () => lag.ms, thresholdMs },
        { reason: 'pool_wait', measureMs: () => wait.ms, thresholdMs },
      ],
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

describe('shedLoad on measured delays (fake sources)', () => {
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

  test('when the pool wait is over the threshold, then a request is 503 overloaded naming the wait, and served again once it is not', async () => {
    const wait = { ms: 120 };
    const shed: ShedReason[] = [];
    const app = await serve(50, { ms: 0 }, shed, wait);
    try {
      const refused = await fetch(`${app.url}/data`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({
        code: 'DAPI-5033',
        detail: 'Requests wait 120 ms for the database (limit 50 ms); retry shortly.',
      });
      expect(shed).toEqual(['pool_wait']);
      wait.ms = 0;
      expect((await fetch(`${app.url}/data`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('when the threshold is 0, then no delay sheds', async () => {
    const shed: ShedReason[] = [];
    const app = await serve(0, { ms: 1e6 }, shed, { ms: 1e6 });
    try {
      expect((await fetch(`${app.url}/data`)).status).toBe(200);
      expect(shed).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

function hold(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

describe('eventLoopLag (the process sampler)', () => {
  test('when the loop is held once, then that stall alone is no lag; when it is held turn after turn, then the lag is the time held', async () => {
    const source = eventLoopLag();
    expect(eventLoopLag()).toBe(source);
    // Let the sampler take samples on time first.
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS * 3));
    hold(300);
    // A timer of the sampler's period, queued behind it: the sampler fires (late) once before it.
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    expect(source.lagMs()).toBeLessThan(300 - SAMPLE_MS);
    hold(300);
    expect(source.lagMs()).toBeGreaterThanOrEqual(300 - SAMPLE_MS);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    expect(source.lagMs()).toBeGreaterThanOrEqual(300 - SAMPLE_MS);
  });
});
