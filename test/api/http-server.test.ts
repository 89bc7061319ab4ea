/** Requests that never reach the router still get problem+json: malformed HTTP, huge headers, slow bodies. */
import { connect } from 'node:net';
import { startServer, type TestServer } from '../helpers/server.js';

function rawExchange(url: string, data: string, opts: { keepOpen?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      if (opts.keepOpen) socket.write(data);
      else socket.end(data);
    });
    let out = '';
    socket.on('data', (c) => (out += c));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

function problemOf(raw: string): { status: string; body: Record<string, unknown>; type: string } {
  const [head, body] = raw.split('\r\n\r\n') as [string, string];
  return {
    status: head.split('\r\n')[0] as string,
    type: /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '',
    body: JSON.parse(body) as Record<string, unknown>,
  };
}

describe('HTTP-level errors', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite', { REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await s.close();
  });

  test('when the request line is not HTTP, then 400 malformed-request', async () => {
    const p = problemOf(await rawExchange(s.url, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(p.status).toBe('HTTP/1.1 400 Bad Request');
    expect(p.type).toBe('application/problem+json');
    expect(p.body.code).toBe('DAPI-4006');
  });

  test('when a header holds CR/LF injection or the headers are huge, then 400 or 431', async () => {
    const injected = problemOf(
      await rawExchange(s.url, 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'),
    );
    expect(injected.body.code).toBe('DAPI-4006');
    const huge = problemOf(
      await rawExchange(s.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`),
    );
    expect(huge.status).toMatch(/^HTTP\/1.1 431/);
    expect(huge.body.code).toBe('DAPI-4311');
  });

  test('when a body never finishes, then 408 within about REQUEST_TIMEOUT_MS and nothing is written', async () => {
    const started = Date.now();
    const raw = await rawExchange(
      s.url,
      'POST /data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user_id":"slow"',
      { keepOpen: true },
    );
    const p = problemOf(raw);
    expect(p.status).toMatch(/^HTTP\/1.1 408/);
    expect(p.body.code).toBe('DAPI-4081');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await s.request('GET', '/data?user_id=slow')).body.items).toEqual([]);
  });

  test('when the server still serves after all that, then /health answers', async () => {
    expect((await s.request('GET', '/health')).status).toBe(200);
  });
});

describe('KEEP_ALIVE_TIMEOUT_MS', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite', { KEEP_ALIVE_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    await s.close();
  });

  test('when a keep-alive connection stays idle, then the server closes it after KEEP_ALIVE_TIMEOUT_MS and not before', async () => {
    const { hostname, port } = new URL(s.url);
    const socket = connect(Number(port), hostname);
    let answeredAt = 0;
    const closedAt = await new Promise<number>((resolve, reject) => {
      socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString().startsWith('HTTP/1.1 200')) answeredAt = Date.now();
      });
      socket.on('close', () => resolve(Date.now()));
      socket.on('error', reject);
    });
    expect(answeredAt).toBeGreaterThan(0);
    const idle = closedAt - answeredAt;
    // Node checks the timeout on its own timer: a little after the setting, never before it.
    expect(idle).toBeGreaterThanOrEqual(1400);
    expect(idle).toBeLessThan(4000);
  });
});
