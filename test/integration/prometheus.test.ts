/**
 * GET /metrics as Prometheus itself meets it: promtool's linter accepts the real exposition, and
 * a real Prometheus server scrapes the running app over loopback and answers a query for one of
 * our series. The binaries come from Debian's package (test/helpers/prometheus.ts); when they
 * cannot be had the suite fails, it is never skipped.
 */
import { spawn } from 'node:child_process';
import {
  ensurePrometheus,
  instantQuery,
  operatorRelabelling,
  startPrometheus,
  type TestPrometheus,
} from '../helpers/prometheus.js';
import { metricValue, startServer, type TestServer } from '../helpers/server.js';

const SCRAPE_DEADLINE_MS = 20_000;

/** Runs a command with `input` on its stdin; resolves with its exit code and all it printed. */
function run(
  command: string,
  args: string[],
  input: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

describe('GET /metrics read by Prometheus', () => {
  let promtool: string;
  let s: TestServer;
  let prometheus: TestPrometheus | undefined;

  beforeAll(async () => {
    // The first fetch may run apt-get update and download 19 MB.
    ({ promtool } = await ensurePrometheus());
    s = await startServer('pglite');
    // Traffic first, so the request histogram and counters have samples, 2xx and 4xx alike,
    // and the cache has hits: the record is cached on create, then read twice.
    const created = await s.request('POST', '/data', { body: { user_id: 'prom-user', payload: { n: 1 } } });
    expect(created.status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await s.request('GET', `/data/${created.body.id}`)).status).toBe(200);
    expect((await s.request('GET', '/data?user_id=prom-user')).status).toBe(200);
    expect((await s.request('GET', '/data/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await s.request('GET', '/ready')).status).toBe(200);
  }, 330_000);

  afterAll(async () => {
    await prometheus?.stop();
    await s?.close();
  });

  test('when promtool lints the real exposition of GET /metrics, then it finds nothing', async () => {
    const res = await s.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/^# HELP /m);
    const lint = await run(promtool, ['check', 'metrics'], res.text);
    const findings = lint.output.split('\n').filter((line) => line.trim() !== '');
    // Exit 3 is "lint problems found", 1 a parse error; on failure the diff shows promtool's report.
    expect({ exit: lint.code, findings }).toEqual({ exit: 0, findings: [] });
  });

  test('when Prometheus scrapes the app, then a query for cache_hit_rate{job="data-api"} returns the value /metrics shows', async () => {
    const target = new URL(s.url).host;
    prometheus = await startPrometheus(target);
    // No request changes the cache counters from here on, so every scrape reads this value.
    const expected = await metricValue(s, 'cache_hit_rate');
    expect(expected).toBeGreaterThan(0);

    const query = 'cache_hit_rate{job="data-api"}';
    const deadline = Date.now() + SCRAPE_DEADLINE_MS;
    let samples = await instantQuery(prometheus.url, query);
    while (samples.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      samples = await instantQuery(prometheus.url, query);
    }
    if (samples.length === 0) {
      const up = await instantQuery(prometheus.url, 'up');
      throw new Error(`no sample of ${query} within ${SCRAPE_DEADLINE_MS} ms; up: ${JSON.stringify(up)}`);
    }
    expect(samples).toHaveLength(1);
    expect(samples[0]!.metric).toEqual({ __name__: 'cache_hit_rate', job: 'data-api', instance: target });
    expect(Number(samples[0]!.value[1])).toBeCloseTo(expected, 10);
    // The scrape itself succeeded (up is 1), and the default process metrics came along.
    const [up] = await instantQuery(prometheus.url, `up{job="data-api",instance="${target}"}`);
    expect(up?.value[1]).toBe('1');
    const rss = await instantQuery(prometheus.url, 'process_resident_memory_bytes{job="data-api"}');
    expect(Number(rss[0]?.value[1])).toBeGreaterThan(0);
    // The series the alerts read arrive with the labels they select on (route template, status).
    const reads = await instantQuery(
      prometheus.url,
      'sum(requests_total{job="data-api",method="GET",route="/data/{id}",status="200"})',
    );
    expect(Number(reads[0]?.value[1])).toBe(2);
  }, 90_000);

  test('when Prometheus scrapes with the target labels of a ServiceMonitor, then route and status arrive as the app wrote them and nothing is renamed exported_', async () => {
    const target = new URL(s.url).host;
    // The Operator's labels of every target: `endpoint` (the port's name) is the one the app's
    // former label of the same name collided with.
    const operator = await startPrometheus(target, {
      relabelConfigs: operatorRelabelling({
        namespace: 'data-api',
        service: 'data-api',
        pod: 'data-api-7d9f8b6c5-x2x9q',
        container: 'data-api',
        endpoint: 'http',
      }),
    });
    try {
      const query = 'requests_total{namespace="data-api",service="data-api",route="/data/{id}",status="200"}';
      const deadline = Date.now() + SCRAPE_DEADLINE_MS;
      let samples = await instantQuery(operator.url, query);
      while (samples.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        samples = await instantQuery(operator.url, query);
      }
      expect(samples).toHaveLength(1);
      expect(samples[0]!.metric).toEqual({
        __name__: 'requests_total',
        container: 'data-api',
        endpoint: 'http',
        instance: target,
        job: 'data-api',
        method: 'GET',
        namespace: 'data-api',
        pod: 'data-api-7d9f8b6c5-x2x9q',
        route: '/data/{id}',
        service: 'data-api',
        status: '200',
      });
      // No series of the app carries a label the target labels pushed aside.
      const exported = await fetch(`${operator.url}/api/v1/labels`).then(
        (r) => r.json() as Promise<{ data: string[] }>,
      );
      expect(exported.data.filter((l) => l.startsWith('exported_'))).toEqual([]);
    } finally {
      await operator.stop();
    }
  }, 90_000);
});
