/**
 * MANAGEMENT_PORT: /metrics, which answers without credentials, is served on a listener of its
 * own (main.ts listens on it with createHttpServer(app.management)), so a NetworkPolicy can
 * open it to the monitoring system alone; /health and /ready answer on both ports.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../src/http-server.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestServer } from '../helpers/server.js';

describe('the management port', () => {
  let t: TestDatabase;
  let s: TestServer;
  let management: Server;
  let managementUrl: string;
  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    s = await startServerOn(t.db, { MANAGEMENT_PORT: '9464' });
    management = createHttpServer(s.app.management!, s.config);
    await new Promise<void>((resolve) => management.listen(0, '127.0.0.1', resolve));
    managementUrl = `http://127.0.0.1:${(management.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    management?.closeAllConnections();
    await new Promise<void>((resolve) => (management ? management.close(() => resolve()) : resolve()));
    await s?.close();
    await t?.drop();
  });

  test('when MANAGEMENT_PORT is set, then /metrics answers there and 404 on the API port', async () => {
    const onApi = await s.request('GET', '/metrics');
    expect([onApi.status, onApi.body.code]).toEqual([404, 'DAPI-4042']);
    const scraped = await fetch(`${managementUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(scraped.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await scraped.text()).toMatch(/^# HELP /m);
  });

  test('when the probes are asked, then both ports answer them', async () => {
    for (const path of ['/health', '/ready']) {
      expect([path, (await s.request('GET', path)).status]).toEqual([path, 200]);
      expect([path, (await fetch(`${managementUrl}${path}`)).status]).toEqual([path, 200]);
    }
  });

  test('when anything else is asked on the management port, then 404: it serves no data and no documents', async () => {
    for (const path of ['/data?user_id=a', '/openapi.json', '/docs', '/data/bulk']) {
      const res = await fetch(`${managementUrl}${path}`);
      expect([path, res.status, ((await res.json()) as { code: string }).code]).toEqual([
        path,
        404,
        'DAPI-4042',
      ]);
    }
  });

  test('when MANAGEMENT_PORT is not set, then there is no management app and /metrics stays on the API port', async () => {
    const plain = await startServerOn(t.db);
    try {
      expect(plain.app.management).toBeUndefined();
      expect((await plain.request('GET', '/metrics')).status).toBe(200);
    } finally {
      await plain.close();
    }
  });
});
