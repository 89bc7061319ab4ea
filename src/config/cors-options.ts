/**
 * CORS settings (CORS_ALLOWED_ORIGINS, CORS_ALLOW_CREDENTIALS, CORS_MAX_AGE_SECONDS): which
 * origins the middleware in src/api/cors.ts answers, checked at start so that a typo in an origin
 * stops the start instead of silently refusing a browser. Off unless an origin is listed.
 */
import type { KeyValues, Loose } from './config-keys.js';

export interface CorsOptions {
  /** Exact origins as browsers send them (https://app.example.com), or ['*']. */
  allowedOrigins: readonly string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

type CorsKeys = Pick<
  KeyValues,
  'NODE_ENV' | 'CORS_ALLOWED_ORIGINS' | 'CORS_ALLOW_CREDENTIALS' | 'CORS_MAX_AGE_SECONDS'
>;

const KEY = 'CORS_ALLOWED_ORIGINS';

/** The listed origins without duplicates; each problem with them, naming the key, goes to problems. */
function allowedOrigins(v: Loose<CorsKeys>, problems: string[]): string[] {
  const entries = (v.CORS_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (entries.includes('*')) {
    if (entries.length > 1) problems.push(`${KEY}: * stands alone; it cannot be listed with other origins`);
    if (v.CORS_ALLOW_CREDENTIALS) {
      problems.push(`${KEY}: * cannot be used with CORS_ALLOW_CREDENTIALS=true; list the origins`);
    }
    if (v.NODE_ENV === 'production') {
      problems.push(`${KEY}: * is refused when NODE_ENV=production; list the origins`);
    }
  }
  for (const entry of entries) {
    if (entry === '*') continue;
    const problem = originProblem(entry);
    if (problem) problems.push(`${KEY}: "${entry}" ${problem}`);
  }
  return [...new Set(entries)];
}

/** Why an entry is not an origin as a browser serializes it in the Origin header, if it is not. */
function originProblem(entry: string): string | undefined {
  if (entry === 'null') return 'is refused: the opaque origin null is shared by sandboxed pages and files';
  if (entry.includes('*')) return 'holds a wildcard; list each origin';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'is not an origin (scheme://host[:port])';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an http:// or https:// origin';
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || entry.endsWith('/')) {
    return `is not an origin: no user, path, query or trailing slash (${url.origin})`;
  }
  // Browsers send the host in lower case, IDNs in punycode, and no default port: compare as sent.
  if (url.origin !== entry) return `is not written as browsers send it: ${url.origin}`;
  return undefined;
}

/** Pushes a problem, naming CORS_ALLOWED_ORIGINS, for each origin or combination that is refused. */
export function checkCors(v: Loose<CorsKeys>, problems: string[]): void {
  allowedOrigins(v, problems);
}

/** CORS on: the origins and the two settings. Undefined (CORS off) when no valid origin is listed. */
export function corsOptions(v: CorsKeys): CorsOptions | undefined {
  const problems: string[] = [];
  const origins = allowedOrigins(v, problems);
  if (origins.length === 0 || problems.length > 0) return undefined;
  return {
    allowedOrigins: origins,
    allowCredentials: v.CORS_ALLOW_CREDENTIALS,
    maxAgeSeconds: v.CORS_MAX_AGE_SECONDS,
  };
}
