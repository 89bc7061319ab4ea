/**
 * The published contract over HTTP: the whole document and the partner view, as JSON and YAML,
 * each with a weak ETag that answers 304 to If-None-Match, so partners can poll for changes.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PARTNER_CONTRACT_PATH } from '../../src/config/paths.js';
import { startServer, type TestServer } from '../helpers/server.js';

const DOCUMENTS = ['/openapi.json', '/openapi.yaml', '/openapi/partner.json', '/openapi/partner.yaml'];

describe('the published contract', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => {
    await s.close();
  });

  test.each(DOCUMENTS)('when %s is asked with its own ETag, then 304 with no body', async (path) => {
    const first = await s.request('GET', path);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{43}"$/);
    const again = await s.request('GET', path, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe(first.headers.get('cache-control'));
  });

  test('when If-None-Match lists the tag weak, strong, among others or as *, then 304', async () => {
    const etag = (await s.request('GET', '/openapi.json')).headers.get('etag') as string;
    const strong = etag.slice(2);
    for (const value of [strong, `"x", ${etag}`, `W/"x",${strong}`, '*']) {
      const res = await s.request('GET', '/openapi.json', { headers: { 'if-none-match': value } });
      expect([value, res.status]).toEqual([value, 304]);
    }
  });

  test('when If-None-Match names another tag or is not a tag, then 200 with the document', async () => {
    for (const value of ['W/"stale"', '"stale"', 'stale', '']) {
      const res = await s.request('GET', '/openapi.json', { headers: { 'if-none-match': value } });
      expect([value, res.status]).toEqual([value, 200]);
      expect(res.body.openapi).toBe('3.1.0');
    }
  });

  test('when a tag of one document is sent for another, then 200: each has its own', async () => {
    const tags = await Promise.all(
      DOCUMENTS.map(async (path) => (await s.request('GET', path)).headers.get('etag') as string),
    );
    expect(new Set(tags).size).toBe(DOCUMENTS.length);
    const res = await s.request('GET', '/openapi/partner.json', { headers: { 'if-none-match': tags[0]! } });
    expect(res.status).toBe(200);
  });

  test('when the document is asked compressed, then the ETag is the same and 304 still holds', async () => {
    const plain = await s.request('GET', '/openapi.json', { headers: { 'accept-encoding': 'identity' } });
    const gzip = await fetch(`${s.url}/openapi.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gzip.headers.get('etag')).toBe(plain.headers.get('etag'));
    const again = await fetch(`${s.url}/openapi.json`, {
      headers: { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
  });

  test('when HEAD carries the current tag, then 304 as GET would', async () => {
    const etag = (await s.request('GET', '/openapi/partner.yaml')).headers.get('etag') as string;
    const res = await s.request('HEAD', '/openapi/partner.yaml', { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(304);
  });

  test('when the partner view is served, then it is openapi/partner.yaml and has no x-internal operation', async () => {
    const json = await s.request('GET', '/openapi/partner.json');
    expect(json.body).toEqual(parse(readFileSync(PARTNER_CONTRACT_PATH, 'utf8')));
    expect(Object.keys(json.body.paths)).toEqual([
      '/data',
      '/data/export',
      '/data/bulk',
      '/data/{id}',
      '/health',
      '/ready',
    ]);
    expect(JSON.stringify(json.body)).not.toMatch(/"x-internal":/);
    const yaml = await s.request('GET', '/openapi/partner.yaml');
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(yaml.text).toBe(readFileSync(PARTNER_CONTRACT_PATH, 'utf8'));
  });

  test('when the contract endpoints are asked many times, then no rate limit applies', async () => {
    const limited = await startServer('pglite', {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '1',
    });
    try {
      for (let i = 0; i < 5; i++) {
        for (const path of DOCUMENTS) expect((await limited.request('GET', path)).status).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });
});
