/**
 * MAX_REQUESTS_IN_FLIGHT: past that many requests in progress, a new one is answered 503
 * `overloaded` at once (nothing done), probes and metrics are still served, and requests are
 * taken again as soon as the ones in progress finish. Requests are held in progress for real:
 * raw sockets that send the headers of a POST and only part of its body.
 * SHED_EVENT_LOOP_LAG_MS: the server's event loop is held for real, turn after turn (this process
 * runs it: a busy loop here blocks it), and a request that arrived meanwhile is refused the same way.
 * SHED_POOL_WAIT_MS: the server's PostgreSQL pool is held for real (transactions on it that wait),
 * callers queue behind them, and a request while the queue's delay is past the bound is refused.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SAMPLE_MS } from '../../src/observability/event-loop-lag.js';
import { metricValue, startServer, type TestServer } from '../helpers/server.js';

const BODY = JSON.stringify({ user_id: 'held', payload: { n: 1 } });

/** A POST /data whose body stops half-way: in progress until finish() sends the rest. */
function heldRequest(url: string): Promise<{ finish(): Promise<string>; socket: Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY.slice(0, 10)}`,
      );
      let out = '';
      socket.on('data', (c) => (out += c));
      const ended = new Promise<string>((done) => socket.on('end', () => done(out)));
      resolve({
        socket,
        finish: () => {
          socket.write(BODY.slice(10));
          return ended;
        },
      });
    });
    socket.on('error', reject);
  });
}

describe('load shedding (MAX_REQUESTS_IN_FLIGHT)', () => {
  let s: TestServer;
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    s = await startServer('pglite', { MAX_REQUESTS_IN_FLIGHT: '2' }, { logLines });
  });
  afterAll(async () => {
    await s.close();
  });

  test('when the limit is in progress, then a new request is 503 overloaded at once, probes still answer, and requests are taken again after', async () => {
    const held = [await heldRequest(s.url), await heldRequest(s.url)];
    // Both are in progress once the server has read their headers.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = Date.now();
    const refused = await s.request('POST', '/data', { body: { user_id: 'shed', payload: { a: 1 } } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'DAPI-5033', status: 503, title: 'Overloaded' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await s.request('GET', '/data/0190a0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b')).status).toBe(503);

    expect((await s.request('GET', '/health')).status).toBe(200);
    expect((await s.request('GET', '/ready')).status).toBe(200);
    expect(await metricValue(s, 'requests_shed_total{reason="in_flight"}')).toBe(2);
    // The refused request's log line says which bound refused it; an answered one names none.
    const lineOf = (id: string | null) =>
      logLines.find((l) => l.msg === 'request' && l.request_id === id) as Record<string, unknown>;
    expect(lineOf(refused.headers.get('x-request-id'))).toMatchObject({ status: 503, shed: 'in_flight' });
    const probe = await s.request('GET', '/health');
    expect(lineOf(probe.headers.get('x-request-id'))).not.toHaveProperty('shed');

    const answers = await Promise.all(held.map((h) => h.finish()));
    for (const raw of answers) expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 201 Created');

    // Taken again, and the refused create wrote nothing.
    const list = await s.request('GET', '/data?user_id=shed');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect((await s.request('GET', '/data?user_id=held')).body.items).toHaveLength(2);
  });
});

describe('load shedding (MAX_BODY_BYTES_IN_FLIGHT)', () => {
  let s: TestServer;
  const size = Buffer.byteLength(BODY);
  beforeAll(async () => {
    // Room for one held body and a half: a second body of the same size is past the bound.
    s = await startServer('pglite', { MAX_BODY_BYTES_IN_FLIGHT: String(Math.floor(size * 1.5)) });
  });
  afterAll(async () => {
    await s.close();
  });

  test('when the body bytes in progress would pass the bound, then a new request with a body is 503 overloaded, one without a body is served, and bodies are taken again after', async () => {
    const held = await heldRequest(s.url);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const refused = await s.request('POST', '/data', { body: { user_id: 'held', payload: { n: 2 } } });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'DAPI-5033', title: 'Overloaded' });
    expect(refused.body.detail).toMatch(/request body bytes in progress/);
    expect(refused.headers.get('retry-after')).toBe('1');
    // A body of unknown length (chunked) counts as BODY_LIMIT_BYTES.
    const chunked = await fetch(`${s.url}/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([BODY]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(503);
    // Reads carry no body: still served.
    expect((await s.request('GET', '/data?user_id=held')).status).toBe(200);
    expect(await metricValue(s, 'requests_shed_total{reason="body_bytes"}')).toBe(2);

    expect((await held.finish()).split('\r\n')[0]).toBe('HTTP/1.1 201 Created');
    const after = await s.request('POST', '/data', { body: { user_id: 'held', payload: { n: 3 } } });
    expect(after.status).toBe(201);
    expect((await s.request('GET', '/data?user_id=held')).body.items).toHaveLength(2);
  });
});

/** A connected raw socket; send() writes a whole request at once and resolves with the raw answer. */
function rawConnection(url: string): Promise<{ send(head: string): Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      let out = '';
      socket.on('data', (c) => (out += c));
      const ended = new Promise<string>((done) => socket.on('end', () => done(out)));
      resolve({
        send(head) {
          socket.write(`${head}Host: x\r\nConnection: close\r\n\r\n`);
          return ended;
        },
      });
    });
    socket.on('error', reject);
  });
}

/** Holds this process's event loop (and the server's, which it runs) for `ms`. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

describe('load shedding (SHED_EVENT_LOOP_LAG_MS)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite', { SHED_EVENT_LOOP_LAG_MS: '200' });
  });
  afterAll(async () => {
    await s.close();
  });

  test('when a request arrives while the event loop is held past the threshold, then it is 503 overloaded with Retry-After, probes still answer, and requests after the loop catches up are served', async () => {
    expect((await s.request('POST', '/data', { body: { user_id: 'lag', payload: { n: 1 } } })).status).toBe(
      201,
    );

    // The loop held twice, a turn apart (one stall alone is no overload), the requests written
    // before the second hold, on connections opened before: the server reads them after it.
    const connections = [await rawConnection(s.url), await rawConnection(s.url)];
    blockEventLoop(600);
    // A timer of the lag sampler's period, queued behind it: the sampler fires (late) once first.
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    const answers = [
      connections[0]!.send('GET /data?user_id=lag HTTP/1.1\r\n'),
      connections[1]!.send('GET /ready HTTP/1.1\r\n'),
    ];
    blockEventLoop(600);
    const [refusedAnswer = '', probeAnswer = ''] = await Promise.all(answers);

    const [head = '', body = ''] = refusedAnswer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(head).toMatch(/^content-type: application\/problem\+json$/im);
    expect(head).toMatch(/^retry-after: 1$/im);
    expect(JSON.parse(body)).toMatchObject({ code: 'DAPI-5033', status: 503, title: 'Overloaded' });
    expect(JSON.parse(body).detail).toMatch(/ms behind \(limit 200 ms\)/);
    expect(probeAnswer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');

    // A few samples later the loop is on time again: requests are taken.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await s.request('POST', '/data', { body: { user_id: 'lag', payload: { n: 2 } } })).status).toBe(
      201,
    );
    expect((await s.request('GET', '/data?user_id=lag')).body.items).toHaveLength(2);
    expect(await metricValue(s, 'requests_shed_total{reason="event_loop_lag"}')).toBe(1);
    expect(await metricValue(s, 'requests_shed_total{reason="in_flight"}')).toBe(0);
  });
});

function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('load shedding (SHED_POOL_WAIT_MS, PostgreSQL)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('postgres', { SHED_POOL_WAIT_MS: '100' });
  });
  afterAll(async () => {
    await s.close();
  });

  /** A transaction on the server's own pool that holds its connection until released. */
  function hold(): { started: Promise<void>; release(): void; done: Promise<void> } {
    const started = gate();
    const release = gate();
    const done = s.db.transaction(async () => {
      started.open();
      await release.opened;
    });
    return { started: started.opened, release: release.open, done };
  }

  test('when requests have waited past the bound for a pool connection and others still wait, then a new request is 503 overloaded, probes still answer, and once the queue is gone requests are served', async () => {
    // Every connection of the pool (10) held, then two more callers queued behind them.
    const holders = Array.from({ length: 10 }, hold);
    await Promise.all(holders.map((h) => h.started));
    const next = hold();
    const last = s.db.transaction(async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));

    // One connection freed: the first caller in the queue gets it after 250 ms or more, the
    // second still waits.
    holders[0]!.release();
    await next.started;
    expect(s.db.queueDelayMs?.()).toBeGreaterThanOrEqual(250);

    const refused = await s.request('POST', '/data', { body: { user_id: 'pool', payload: { n: 1 } } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ code: 'DAPI-5033', title: 'Overloaded' });
    expect(refused.body.detail).toMatch(/^Requests wait \d+ ms for the database \(limit 100 ms\)/);
    expect((await s.request('GET', '/ready')).status).toBe(200);
    expect(await metricValue(s, 'requests_shed_total{reason="pool_wait"}')).toBe(1);

    for (const h of [...holders, next]) h.release();
    await Promise.all([...holders.map((h) => h.done), next.done, last]);
    expect(s.db.queueDelayMs?.()).toBe(0);
    expect((await s.request('POST', '/data', { body: { user_id: 'pool', payload: { n: 2 } } })).status).toBe(
      201,
    );
    expect((await s.request('GET', '/data?user_id=pool')).body.items).toHaveLength(1);
  });
});
