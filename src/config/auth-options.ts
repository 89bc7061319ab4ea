/**
 * Authentication settings: the mode, the bearer JWT verification (a shared secret or a JWKS URL,
 * issuer, audience, an allow-list of algorithms) and the API keys, which src/auth/ verifies with.
 */
import type { KeyValues, Loose } from './config-keys.js';
import { weakness } from './secret-strength.js';

export interface ApiKeyEntry {
  /** Hex SHA-256 of the key; the key itself is never stored. */
  sha256: string;
  subject: string;
  scopes: string[];
}

export interface AuthOptions {
  mode: 'required' | 'none';
  jwtSecret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  algorithms: string[];
  apiKeys: ApiKeyEntry[];
  /** Required typ header (normalized by jose); undefined: any. */
  typ: string | undefined;
  /** How long fetched JWKS keys, and tokens verified with them, are trusted. */
  jwksCacheSeconds: number;
  /** Failed authentications per client address per minute (0: no limit). */
  failuresPerMinute: number;
}

type AuthKeys = Pick<
  KeyValues,
  | 'NODE_ENV'
  | 'AUTH_MODE'
  | 'AUTH_JWT_SECRET'
  | 'AUTH_JWKS_URL'
  | 'AUTH_JWT_ISSUER'
  | 'AUTH_JWT_AUDIENCE'
  | 'AUTH_JWT_ALGORITHMS'
  | 'AUTH_API_KEYS'
  | 'AUTH_JWT_TYP'
  | 'AUTH_JWKS_CACHE_SECONDS'
  | 'AUTH_FAILURES_PER_MINUTE'
>;

// The contract's UserId: a subject is compared with user_id by the owner rule.
const SUBJECT = /^[A-Za-z0-9._@:-]{1,128}$/;

const ALGORITHMS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
]);

function parseApiKeys(raw: string | undefined, problems: string[]): ApiKeyEntry[] {
  if (raw === undefined) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    problems.push('AUTH_API_KEYS: not JSON');
    return [];
  }
  const ok =
    Array.isArray(list) &&
    list.every(
      (e: { sha256?: unknown; subject?: unknown; scopes?: unknown }) =>
        typeof e?.sha256 === 'string' &&
        /^[0-9a-f]{64}$/i.test(e.sha256) &&
        typeof e.subject === 'string' &&
        SUBJECT.test(e.subject) &&
        Array.isArray(e.scopes) &&
        e.scopes.every((s) => typeof s === 'string'),
    );
  if (!ok) {
    problems.push(
      'AUTH_API_KEYS: expected [{"sha256": "<64 hex>", "subject": "<a user_id>", "scopes": ["data:read"]}]',
    );
    return [];
  }
  return list as ApiKeyEntry[];
}

/** AUTH_JWT_ALGORITHMS as a list; unset, the ones that go with the configured credential. */
function algorithmsOf(v: Loose<AuthKeys>): string[] {
  return (v.AUTH_JWT_ALGORITHMS ?? (v.AUTH_JWT_SECRET ? 'HS256' : 'RS256,ES256'))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

/** Pushes a problem for each bad or contradictory authentication setting, naming its key. */
export function checkAuth(v: Loose<AuthKeys>, problems: string[]): void {
  const { AUTH_MODE: mode, AUTH_JWT_SECRET: jwtSecret, AUTH_JWKS_URL: jwksUrl } = v;
  const apiKeys = parseApiKeys(v.AUTH_API_KEYS, problems);
  if (jwtSecret !== undefined && jwtSecret.length < 32)
    problems.push('AUTH_JWT_SECRET: must be at least 32 characters');
  // Elsewhere a developer's secret may be a memorable one; in production it must not be guessable.
  const weak = jwtSecret !== undefined && jwtSecret.length >= 32 ? weakness(jwtSecret) : undefined;
  if (weak && v.NODE_ENV === 'production') problems.push(`AUTH_JWT_SECRET: ${weak}`);
  if (jwtSecret && jwksUrl)
    problems.push('AUTH_JWKS_URL: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  const algorithms = algorithmsOf(v);
  for (const alg of algorithms) {
    if (!ALGORITHMS.has(alg)) problems.push(`AUTH_JWT_ALGORITHMS: "${alg}" is not an allowed algorithm`);
  }
  // Algorithm confusion: a shared secret goes with HMAC only, a JWKS with public-key algorithms only.
  if (jwtSecret && algorithms.some((a) => !a.startsWith('HS'))) {
    problems.push('AUTH_JWT_ALGORITHMS: only HS* algorithms go with AUTH_JWT_SECRET');
  }
  if (jwksUrl && algorithms.some((a) => a.startsWith('HS'))) {
    problems.push('AUTH_JWT_ALGORITHMS: HS* algorithms cannot be used with AUTH_JWKS_URL');
  }
  if (mode === 'none' && v.NODE_ENV === 'production') {
    problems.push('AUTH_MODE: none is for local development and refused when NODE_ENV=production');
  }
  if (mode === 'required' && !jwtSecret && !jwksUrl && apiKeys.length === 0) {
    problems.push(
      'AUTH_MODE: required needs AUTH_JWT_SECRET, AUTH_JWKS_URL or AUTH_API_KEYS (AUTH_MODE=none for local development)',
    );
  }
}

/** The settings src/auth/authenticator.ts verifies credentials with. */
export function authOptions(v: AuthKeys): AuthOptions {
  return {
    mode: v.AUTH_MODE,
    jwtSecret: v.AUTH_JWT_SECRET,
    jwksUrl: v.AUTH_JWKS_URL,
    issuer: v.AUTH_JWT_ISSUER,
    audience: v.AUTH_JWT_AUDIENCE,
    algorithms: algorithmsOf(v),
    // Checked by checkAuth when the process serves requests; a tool that does not ignores them.
    apiKeys: parseApiKeys(v.AUTH_API_KEYS, []),
    typ: v.AUTH_JWT_TYP === '*' ? undefined : v.AUTH_JWT_TYP,
    jwksCacheSeconds: v.AUTH_JWKS_CACHE_SECONDS,
    failuresPerMinute: v.AUTH_FAILURES_PER_MINUTE,
  };
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * Where to listen: HOST, except with AUTH_MODE=none (every caller an admin), which listens on
 * 127.0.0.1 unless AUTH_NONE_ALLOW_REMOTE=true, so that a development server started with the
 * default HOST (0.0.0.0) is not an open admin door on the network.
 */
export function listenHost(v: Pick<KeyValues, 'HOST' | 'AUTH_MODE' | 'AUTH_NONE_ALLOW_REMOTE'>): string {
  if (v.AUTH_MODE !== 'none' || v.AUTH_NONE_ALLOW_REMOTE || LOOPBACK.test(v.HOST)) return v.HOST;
  return '127.0.0.1';
}

/** What the start logs about authentication. */
export function authWarnings(v: Pick<KeyValues, 'HOST' | 'AUTH_MODE' | 'AUTH_NONE_ALLOW_REMOTE'>): string[] {
  if (v.AUTH_MODE !== 'none') return [];
  const host = listenHost(v);
  return [
    'AUTH_MODE=none: /data needs no credentials and every caller is an admin (local development only)',
    ...(host === v.HOST
      ? []
      : [
          `AUTH_MODE=none: listening on ${host}, not HOST=${v.HOST} (AUTH_NONE_ALLOW_REMOTE=true to listen there)`,
        ]),
  ];
}
