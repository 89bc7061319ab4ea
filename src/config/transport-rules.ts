/**
 * Verified TLS on every connection that leaves the service, in production: PostgreSQL with
 * sslmode=verify-full, Redis over rediss:// (a cluster: with REDIS_TLS_CA_FILE), the identity
 * provider's JWKS over https://. A private network where plaintext is accepted on purpose says so
 * in TLS_EXEMPT, and the start logs each exemption (startWarnings), so it is never silent.
 */
import type { KeyValues, Loose } from './config-keys.js';

export const TLS_CONNECTIONS = ['database', 'redis', 'jwks'] as const;
export type TlsConnection = (typeof TLS_CONNECTIONS)[number];

type TransportKeys = Pick<
  KeyValues,
  | 'NODE_ENV'
  | 'DATABASE_URL'
  | 'REDIS_URL'
  | 'REDIS_CLUSTER_NODES'
  | 'REDIS_TLS_CA_FILE'
  | 'AUTH_JWKS_URL'
  | 'TLS_EXEMPT'
>;

/** TLS_EXEMPT as a list; names that are not connections go to problems. */
export function tlsExemptions(
  v: Loose<Pick<KeyValues, 'TLS_EXEMPT'>>,
  problems: string[] = [],
): TlsConnection[] {
  const names = (v.TLS_EXEMPT ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  const known = new Set<string>(TLS_CONNECTIONS);
  for (const name of names) {
    if (!known.has(name)) problems.push(`TLS_EXEMPT: "${name}" is not one of ${TLS_CONNECTIONS.join(', ')}`);
  }
  return [...new Set(names.filter((n): n is TlsConnection => known.has(n)))];
}

/** Why each configured connection is not verified TLS; empty when all are. */
function plaintext(v: Loose<TransportKeys>): Partial<Record<TlsConnection, string>> {
  const found: Partial<Record<TlsConnection, string>> = {};
  if (v.DATABASE_URL && URL.canParse(v.DATABASE_URL)) {
    const sslmode = new URL(v.DATABASE_URL).searchParams.get('sslmode');
    if (sslmode !== 'verify-full') {
      found.database = `DATABASE_URL: sslmode=${sslmode ?? '(unset)'} is not verified TLS; use sslmode=verify-full`;
    }
  }
  const cluster = (v.REDIS_CLUSTER_NODES ?? '').trim() !== '';
  if (cluster && v.REDIS_TLS_CA_FILE === undefined) {
    found.redis = 'REDIS_CLUSTER_NODES: the cluster is reached in plaintext; set REDIS_TLS_CA_FILE';
  } else if (!cluster && v.REDIS_URL && !/^rediss:\/\//i.test(v.REDIS_URL)) {
    found.redis = 'REDIS_URL: redis:// is plaintext; use rediss://';
  }
  if (v.AUTH_JWKS_URL && !/^https:\/\//i.test(v.AUTH_JWKS_URL)) {
    found.jwks = 'AUTH_JWKS_URL: keys fetched without TLS can be replaced on the way; use https://';
  }
  return found;
}

/** In production, each connection without verified TLS that TLS_EXEMPT does not name is a problem. */
export function checkTransport(v: Loose<TransportKeys>, problems: string[]): void {
  const exempt = new Set(tlsExemptions(v, problems));
  if (v.NODE_ENV !== 'production') return;
  for (const [connection, problem] of Object.entries(plaintext(v))) {
    if (!exempt.has(connection as TlsConnection)) {
      problems.push(`${problem} (NODE_ENV=production; on a private network, TLS_EXEMPT=${connection})`);
    }
  }
}

/** What the start must log: every exemption in force (production), and what it exempts. */
export function transportWarnings(v: TransportKeys): string[] {
  if (v.NODE_ENV !== 'production') return [];
  const found = plaintext(v);
  return tlsExemptions(v).map((connection) =>
    found[connection]
      ? `TLS_EXEMPT=${connection}: ${found[connection]!.replace(/;.*$/, '')}; accepted because TLS_EXEMPT says the network is private`
      : `TLS_EXEMPT=${connection}: set, though the ${connection} connection is verified TLS anyway`,
  );
}
