/**
 * A real Prometheus server and promtool for tests, taken from Debian's `prometheus` package by
 * mk/fetch-prometheus.sh into .tools/prometheus/ (git-ignored; nothing is installed system-wide).
 * The server runs on a free loopback port with its configuration and TSDB in a temp dir, and is
 * SIGKILLed when the test process exits, so a test that fails before its afterAll leaves nothing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { freePort } from './redis-servers.js';

const HOST = '127.0.0.1';
const TOOLS = join(PROJECT_ROOT, '.tools', 'prometheus');
const FETCH_SCRIPT = join(PROJECT_ROOT, 'mk', 'fetch-prometheus.sh');
// A first fetch may run `apt-get update` before a 19 MB download.
const FETCH_TIMEOUT_MS = 300_000;
const READY_TIMEOUT_MS = 20_000;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface PrometheusTools {
  prometheus: string;
  promtool: string;
}

let tools: Promise<PrometheusTools> | undefined;

/**
 * Paths of the prometheus and promtool binaries, fetched on first use. The script runs once per
 * test process; a failure (no apt, no network) rejects with the script's own message.
 */
export function ensurePrometheus(): Promise<PrometheusTools> {
  tools ??= promisify(execFile)('bash', [FETCH_SCRIPT, TOOLS], {
    cwd: PROJECT_ROOT,
    timeout: FETCH_TIMEOUT_MS,
  }).then(
    () => ({
      prometheus: join(TOOLS, 'usr', 'bin', 'prometheus'),
      promtool: join(TOOLS, 'usr', 'bin', 'promtool'),
    }),
    (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `Prometheus is not available: mk/fetch-prometheus.sh failed (it needs apt-get and Debian's ` +
          `package lists; as root it runs 'apt-get update' itself).\n${err.stderr || err.stdout || err.message}`,
      );
    },
  );
  return tools;
}

export interface TestPrometheus {
  /** http://127.0.0.1:<port> of the server's web API. */
  url: string;
  /** SIGTERM (SIGKILL after 5 s), then removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

/** One sample of an instant vector, as /api/v1/query returns it. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

function assertLoopback(target: string): void {
  const host = new URL(`http://${target}`).hostname;
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) {
    throw new Error(`scrape target ${target} is not a loopback address`);
  }
}

async function waitUntilReady(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ok = await fetch(`${url}/-/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    if (exited()) throw new Error('prometheus exited before it was ready');
    if (Date.now() > deadline) throw new Error(`prometheus was not ready within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

async function spawnPrometheus(binary: string, args: string[], logFile: string): Promise<Running> {
  const log = await open(logFile, 'w');
  try {
    const child = spawn(binary, args, { stdio: ['ignore', log.fd, log.fd] });
    live.add(child);
    const exited = new Promise<void>((resolve) => {
      const gone = () => {
        live.delete(child);
        resolve();
      };
      child.once('exit', gone);
      child.once('error', gone);
    });
    return { child, exited };
  } finally {
    // The child holds its own copy of the descriptor.
    await log.close();
  }
}

async function halt(running: Running): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5000);
  await running.exited;
  clearTimeout(timer);
}

/**
 * The target labels the Prometheus Operator gives every target of a ServiceMonitor endpoint
 * (namespace, service, pod, container, endpoint: the port's name, job: the Service's name), set by
 * relabelling as its generated scrape configuration does; honor_labels stays false, so a label the
 * app also exports arrives renamed exported_<name>.
 */
export function operatorRelabelling(labels: {
  namespace: string;
  service: string;
  pod: string;
  container: string;
  endpoint: string;
}): object[] {
  return [
    ...Object.entries(labels).map(([target_label, replacement]) => ({ target_label, replacement })),
    { target_label: 'job', replacement: labels.service },
  ];
}

/**
 * Starts Prometheus scraping http://<scrapeTarget>/metrics every second as job `data-api`, and
 * resolves once /-/ready answers. scrapeTarget is host:port on a loopback address.
 * relabelConfigs: target relabelling (e.g. operatorRelabelling) applied before each scrape.
 */
export async function startPrometheus(
  scrapeTarget: string,
  options: { relabelConfigs?: object[] } = {},
): Promise<TestPrometheus> {
  assertLoopback(scrapeTarget);
  const { prometheus } = await ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), 'dapi-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const logFile = join(dir, 'prometheus.log');
  // JSON is YAML: no quoting to get wrong.
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      {
        job_name: 'data-api',
        metrics_path: '/metrics',
        honor_labels: false,
        static_configs: [{ targets: [scrapeTarget] }],
        relabel_configs: options.relabelConfigs ?? [],
      },
    ],
  };
  await writeFile(configFile, JSON.stringify(config, null, 2));

  const boot = async (): Promise<{ url: string; running: Running }> => {
    // Another process may take the free port before Prometheus binds it: try a few ports.
    for (let attempt = 1; ; attempt++) {
      const url = `http://${HOST}:${await freePort()}`;
      const running = await spawnPrometheus(
        prometheus,
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=${new URL(url).host}`,
          '--log.level=warn',
        ],
        logFile,
      );
      let gone = false;
      void running.exited.then(() => (gone = true));
      try {
        await waitUntilReady(url, () => gone);
        return { url, running };
      } catch (err) {
        await halt(running);
        if (attempt >= 3) {
          const log = await readFile(logFile, 'utf8').catch(() => '');
          throw new Error(`${(err as Error).message}; its log:\n${log.slice(-3000)}`);
        }
      }
    }
  };
  let booted: { url: string; running: Running };
  try {
    booted = await boot();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  return {
    url: booted.url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt(booted.running);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs an instant query through Prometheus' HTTP API and returns the vector's samples. */
export async function instantQuery(prometheusUrl: string, promql: string): Promise<VectorSample[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: VectorSample[] };
  };
  if (body.status !== 'success' || body.data?.resultType !== 'vector') {
    throw new Error(`query ${promql} failed: ${body.error ?? JSON.stringify(body)}`);
  }
  return body.data.result;
}
