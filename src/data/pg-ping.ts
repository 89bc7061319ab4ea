/**
 * The readiness ping of PostgreSQL, apart from the pool: a pool whose every connection is busy
 * says nothing about the database, and a probe that waits its turn behind the requests fails
 * first on the busiest pods, which the load balancer then drops one after another. So readiness
 * counts a statement of the pool that succeeded a moment ago, and otherwise asks on a
 * connection of its own, which fails only when the database does not answer.
 */
import pg from 'pg';

/** A statement of the pool that succeeded this recently proves the database answers. */
export const RECENT_SUCCESS_MS = 2000;
/** The ping gives up before the readiness probe does (2 s by default in the chart). */
export const PING_TIMEOUT_MS = 1500;

export interface Ping {
  /** Records a successful statement of the pool. */
  succeeded(): void;
  /** Resolves when the database answers; rejects with the driver's error otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function dedicatedPing(config: pg.ClientConfig, timeoutMs: number = PING_TIMEOUT_MS): Ping {
  let lastSuccess = 0;
  let client: pg.Client | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const drop = (c: pg.Client) => {
    if (client === c) client = undefined;
    void c.end().catch(() => undefined);
  };

  async function once(): Promise<void> {
    let c = client;
    if (!c) {
      c = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
      // A lost server emits 'error' on an idle client; the next ping opens a new one.
      c.on('error', () => drop(c!));
      try {
        await c.connect();
      } catch (err) {
        drop(c);
        throw err;
      }
      if (closed) {
        drop(c);
        throw new Error('closed');
      }
      client = c;
    }
    try {
      await c.query('SELECT 1');
    } catch (err) {
      drop(c);
      throw err;
    }
  }

  return {
    succeeded() {
      lastSuccess = Date.now();
    },
    ping() {
      if (Date.now() - lastSuccess < RECENT_SUCCESS_MS) return Promise.resolve();
      // Probes that arrive together share one round trip.
      running ??= once().finally(() => (running = undefined));
      return running;
    },
    async close() {
      closed = true;
      if (client) await client.end().catch(() => undefined);
      client = undefined;
    },
  };
}
