/**
 * Encryption in transit, against real servers with certificates this test makes: a PostgreSQL
 * that refuses plaintext and a Redis that listens on a TLS port only, both signed by a private CA.
 * PostgreSQL needs no key of ours (DATABASE_URL carries sslmode and sslrootcert); Redis needs
 * REDIS_TLS_CA_FILE (src/redis/redis-tls.ts). See docs/security.md, "Encryption in transit".
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { CONFIG_KEYS, loadConfig } from '../../src/config/config.js';
import type { Database } from '../../src/data/database.js';
import { loadMigrations, migrate } from '../../src/data/migrations.js';
import { createPostgres } from '../../src/data/postgres.js';
import { PostgresRecordsRepository } from '../../src/data/records-repository.js';
import { compileStatement, SqlCatalog } from '../../src/data/sql-catalog.js';
import { AppError } from '../../src/domain/errors.js';
import { POSTGRES_MIGRATIONS_DIR, POSTGRES_QUERIES_DIR } from '../../src/config/paths.js';
import { createRedisGateway, redisGatewayFromConfig } from '../../src/redis/ioredis-gateway.js';
import { redisTlsOptions, type RedisTlsSettings } from '../../src/config/redis-tls.js';
import {
  makeCertificates,
  startTlsPostgres,
  startTlsRedis,
  type TestCertificates,
  type TlsPostgres,
  type TlsRedis,
} from '../helpers/tls-servers.js';
import type { JsonText } from '../../src/domain/json-value.js';

let certs: TestCertificates | undefined;
let postgres: TlsPostgres | undefined;
let redis: TlsRedis | undefined;

beforeAll(async () => {
  certs = await makeCertificates();
  const [p, r] = await Promise.allSettled([startTlsPostgres(certs), startTlsRedis(certs)]);
  // Keep whichever started, so afterAll stops it even when the other did not.
  if (p.status === 'fulfilled') postgres = p.value;
  if (r.status === 'fulfilled') redis = r.value;
  if (p.status === 'rejected') throw p.reason;
  if (r.status === 'rejected') throw r.reason;
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([postgres?.stop(), redis?.stop()]);
  await certs?.remove();
}, 30_000);

function servers(): { certs: TestCertificates; postgres: TlsPostgres; redis: TlsRedis } {
  if (!certs || !postgres || !redis) throw new Error('the TLS servers did not start (see beforeAll)');
  return { certs, postgres, redis };
}

function postgresAt(url: string): Database {
  return createPostgres({
    url,
    schema: 'tls_test',
    poolMax: 2,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 5000,
  });
}

const SESSION_TLS = compileStatement(
  'sessionTls',
  'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
);

describe('PostgreSQL over TLS: DATABASE_URL with sslmode=verify-full&sslrootcert=<CA file>', () => {
  const verified = () =>
    servers().postgres.url(`sslmode=verify-full&sslrootcert=${encodeURIComponent(servers().certs.caFile)}`);

  test('when the URL names the CA, then the adapter connects over TLS, migrates and round-trips a record', async () => {
    const db = postgresAt(verified());
    try {
      expect(await migrate(db, 'tls_test', loadMigrations(POSTGRES_MIGRATIONS_DIR))).not.toHaveLength(0);
      const repo = new PostgresRecordsRepository(db, SqlCatalog.load(POSTGRES_QUERIES_DIR));
      const id = randomUUID();
      const inserted = await repo.insert({ id, userId: 'tls-user', payload: '{"over":"tls"}' as JsonText });
      expect(await repo.findById(id)).toEqual(inserted);
      // The server's own view of this very session: encrypted.
      const [session] = await db.query<{ ssl: boolean; version: string }>(SESSION_TLS);
      expect(session).toEqual({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    } finally {
      await db.close();
    }
  });

  test('when verify-full is parsed, then the CA is loaded and nothing turns verification off', () => {
    // node-postgres hands `ssl` to Node's tls.connect: with no rejectUnauthorized:false and no
    // checkServerIdentity override, Node checks the chain up to this CA and the host name.
    const ca = readFileSync(servers().certs.caFile, 'utf8');
    expect(parse(verified()).ssl).toEqual({ ca });
  });

  test('when the URL does not name the CA, then the certificate is refused and the adapter answers 503, not 500', async () => {
    const db = postgresAt(servers().postgres.url('sslmode=verify-full'));
    try {
      const err: unknown = await db.ping().then(
        () => 'connected',
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 503, spec: { code: 'DAPI-5032' } });
      // Node's verdict on a certificate from a CA it does not know.
      expect((err as AppError).cause).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      await expect(migrate(db, 'tls_test', [])).rejects.toMatchObject({ status: 503 });
    } finally {
      await db.close();
    }
  });

  test('when a client connects without TLS, then the server refuses it (no pg_hba entry for "no encryption")', async () => {
    const client = new pg.Client({ connectionString: servers().postgres.url('sslmode=disable') });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toMatchObject({
      code: '28000',
      message: expect.stringContaining('no encryption'),
    });
    await client.end().catch(() => undefined);
    // And through the adapter, a URL without sslmode (plaintext) is a 503 like any refused connection.
    const db = postgresAt(servers().postgres.url());
    try {
      await expect(db.ping()).rejects.toMatchObject({ status: 503, cause: { code: '28000' } });
    } finally {
      await db.close();
    }
  });
});

function tlsSettings(overrides: Partial<RedisTlsSettings>): RedisTlsSettings {
  return {
    redisUrl: servers().redis.url,
    redisClusterNodes: [],
    redisTlsCaFile: undefined,
    redisTlsServername: undefined,
    ...overrides,
  };
}

/** Connects once (no retries) and PINGs; the reply, or the first error the client saw. */
async function pingOnce(url: string, tls: ConnectionOptions | undefined): Promise<string | Error> {
  const client = new Redis(url, {
    tls,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  const errors: Error[] = [];
  client.on('error', (err: Error) => errors.push(err));
  try {
    await client.connect();
    return await client.ping();
  } catch (err) {
    return errors[0] ?? (err as Error);
  } finally {
    client.disconnect();
  }
}

describe('redisTlsOptions: REDIS_URL=rediss://, REDIS_TLS_CA_FILE, REDIS_TLS_SERVERNAME', () => {
  test('when REDIS_URL is rediss:// with a CA file and a server name, then both are handed to TLS', () => {
    const { certs: c } = servers();
    const options = redisTlsOptions(
      tlsSettings({ redisTlsCaFile: c.caFile, redisTlsServername: 'localhost' }),
    );
    expect(options).toEqual({ ca: readFileSync(c.caFile, 'utf8'), servername: 'localhost' });
  });

  test('when REDIS_URL is rediss:// alone, then TLS trusts the built-in roots', () => {
    expect(redisTlsOptions(tlsSettings({}))).toEqual({});
  });

  test('when REDIS_URL is redis:// and no TLS key is set, then there is no tls option', () => {
    expect(redisTlsOptions(tlsSettings({ redisUrl: 'redis://127.0.0.1:6379' }))).toBeUndefined();
    expect(redisTlsOptions(tlsSettings({ redisUrl: undefined }))).toBeUndefined();
  });

  test('when a TLS key is set for a plaintext redis:// URL, then it is refused, naming the key', () => {
    const plain = 'redis://127.0.0.1:6379';
    expect(() =>
      redisTlsOptions(tlsSettings({ redisUrl: plain, redisTlsCaFile: servers().certs.caFile })),
    ).toThrow(/^REDIS_TLS_CA_FILE: .*use rediss:\/\//);
    expect(() => redisTlsOptions(tlsSettings({ redisUrl: plain, redisTlsServername: 'localhost' }))).toThrow(
      /^REDIS_TLS_SERVERNAME: /,
    );
  });

  test('when the CA file is missing or holds no certificate, then it is refused, naming the key', () => {
    expect(() => redisTlsOptions(tlsSettings({ redisTlsCaFile: '/nonexistent/ca.pem' }))).toThrow(
      'REDIS_TLS_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)',
    );
    expect(() => redisTlsOptions(tlsSettings({ redisTlsCaFile: servers().certs.keyFile }))).toThrow(
      /^REDIS_TLS_CA_FILE: .* holds no PEM certificate$/,
    );
  });

  test('when a cluster is configured, then REDIS_TLS_CA_FILE turns TLS on for its nodes', () => {
    const cluster = { redisUrl: undefined, redisClusterNodes: ['127.0.0.1:7000'] };
    expect(redisTlsOptions(tlsSettings(cluster))).toBeUndefined();
    expect(
      redisTlsOptions(tlsSettings({ ...cluster, redisTlsCaFile: servers().certs.caFile })),
    ).toMatchObject({
      ca: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
    });
  });
});

describe('Redis over TLS (a server with --port 0: TLS only)', () => {
  test('when the client trusts the CA, then PING answers over TLS', async () => {
    const { redis: r, certs: c } = servers();
    expect(await pingOnce(r.url, redisTlsOptions(tlsSettings({ redisTlsCaFile: c.caFile })))).toBe('PONG');
  });

  test('when the server name to check is one the certificate holds, then PING answers; when not, TLS refuses', async () => {
    const { redis: r, certs: c } = servers();
    const named = (name: string) =>
      redisTlsOptions(tlsSettings({ redisTlsCaFile: c.caFile, redisTlsServername: name }));
    expect(await pingOnce(r.url, named('localhost'))).toBe('PONG');
    expect(await pingOnce(r.url, named('elsewhere.example.invalid'))).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  test('when the client does not have the CA, then TLS refuses the certificate', async () => {
    // Redis sends its CA along with its certificate, so Node reports a self-signed root it does
    // not trust (PostgreSQL sends the leaf alone: UNABLE_TO_VERIFY_LEAF_SIGNATURE).
    expect(await pingOnce(servers().redis.url, undefined)).toMatchObject({
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
  });

  test('when the gateway has rediss:// but not the CA, or plaintext redis://, then it answers undefined and never throws', async () => {
    const { redis: r } = servers();
    for (const url of [r.url, `redis://127.0.0.1:${r.port}`]) {
      const gateway = createRedisGateway({
        url,
        commandTimeoutMs: 500,
        breakerThreshold: 3,
        breakerCooldownMs: 1000,
        keyPrefix: 'tls:',
      });
      try {
        expect(await gateway.waitUntilReady(undefined, 1000)).toBe(false);
        expect(await gateway.run((c) => c.ping())).toBeUndefined();
        expect(await gateway.ping()).toBe(false);
        expect(gateway.available).toBe(false);
      } finally {
        await gateway.close();
      }
    }
  });
});

// Runs by itself once src/config/config.ts declares REDIS_TLS_CA_FILE (the TLS patch to config.ts and
// redis-gateway.ts, which land together); skipped until then. From then on, a private-CA Redis
// must be reachable through the configured gateway, and bad TLS settings must stop the start.
const configTakesTlsKeys = 'REDIS_TLS_CA_FILE' in CONFIG_KEYS;
(configTakesTlsKeys ? describe : describe.skip)('TLS settings in the configuration', () => {
  test('when the configured gateway has REDIS_TLS_CA_FILE, then it answers PING on both of its connections', async () => {
    const { redis: r, certs: c } = servers();
    // A variable, not a literal: it type-checks before the patch widens the Pick as well.
    const config = {
      redisUrl: r.url,
      redisClusterNodes: [],
      redisKeyPrefix: 'tls:',
      redisCommandTimeoutMs: 1000,
      redisBreakerThreshold: 5,
      redisBreakerCooldownMs: 1000,
      redisTlsCaFile: c.caFile,
      redisTlsServername: undefined,
    };
    const gateway = redisGatewayFromConfig(config);
    try {
      expect(await gateway.waitUntilReady(undefined, 5000)).toBe(true);
      expect(await gateway.ping()).toBe(true);
      const subscriber = gateway.subscriber();
      expect(subscriber && (await gateway.waitUntilReady(subscriber, 5000))).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  test('when a TLS file cannot be read or REDIS_URL is plaintext with a CA, then the start is refused', () => {
    const { certs: c } = servers();
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_TLS_CA_FILE: c.caFile })).toThrow(
      'REDIS_TLS_CA_FILE: set, but REDIS_URL is redis://',
    );
    expect(() =>
      loadConfig({ REDIS_URL: 'rediss://127.0.0.1:6379', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' }),
    ).toThrow('REDIS_TLS_CA_FILE: cannot read /nonexistent/ca.pem');
    const url = 'postgres://u@127.0.0.1:5432/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem';
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(
      'DATABASE_URL: sslrootcert=/nonexistent/ca.pem cannot be read',
    );
  });
});
