/**
 * The CORS settings (CORS_ALLOWED_ORIGINS, CORS_ALLOW_CREDENTIALS, CORS_MAX_AGE_SECONDS) as the
 * configuration reads and validates them; the middleware is middleware/cors.ts. This belongs
 * with the configuration's schema (src/config), which imports it from here until it moves.
 */
export interface CorsOptions {
  /** Exact origins as browsers send them (https://app.example.com), or ['*']. */
  allowedOrigins: readonly string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

/**
 * Validates the three settings; each problem names its key. Returns undefined (CORS off) when
 * no origin is listed, or when there are problems.
 */
export function corsOptions(
  input: {
    origins: string | undefined;
    allowCredentials: boolean;
    maxAgeSeconds: number;
    production: boolean;
  },
  problems: string[],
): CorsOptions | undefined {
  const key = 'CORS_ALLOWED_ORIGINS';
  const entries = (input.origins ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (entries.length === 0) return undefined;
  const before = problems.length;
  if (entries.includes('*')) {
    if (entries.length > 1) problems.push(`${key}: * stands alone; it cannot be listed with other origins`);
    if (input.allowCredentials) {
      problems.push(`${key}: * cannot be used with CORS_ALLOW_CREDENTIALS=true; list the origins`);
    }
    if (input.production) {
      problems.push(`${key}: * is refused when NODE_ENV=production; list the origins`);
    }
  }
  for (const entry of entries) {
    if (entry === '*') continue;
    const problem = originProblem(entry);
    if (problem) problems.push(`${key}: "${entry}" ${problem}`);
  }
  if (problems.length > before) return undefined;
  return {
    allowedOrigins: [...new Set(entries)],
    allowCredentials: input.allowCredentials,
    maxAgeSeconds: input.maxAgeSeconds,
  };
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
