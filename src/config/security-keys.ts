/** Keys of authentication (bearer JWTs, API keys) and of CORS. */
import { flag, integer, oneOf, text, url } from './key-kinds.js';

export const authKeys = {
  AUTH_MODE: oneOf(['required', 'none'], {
    default: 'required',
    doc: 'required: /data needs a bearer JWT or an API key. none: no authentication, for local development only: listens on 127.0.0.1 (see AUTH_NONE_ALLOW_REMOTE), refused when NODE_ENV=production.',
  }),
  AUTH_JWT_SECRET: text({
    doc: 'Shared secret (32+ characters, not guessable in production) for HS256 bearer tokens.',
    secret: true,
  }),
  AUTH_JWKS_URL: url({
    doc: 'JWKS URL of the identity provider, for RS256/ES256 bearer tokens (https:// in production).',
  }),
  AUTH_JWT_ISSUER: text({ default: 'data-api', doc: 'Required iss of bearer tokens.' }),
  AUTH_JWT_AUDIENCE: text({ default: 'data-api', doc: 'Required aud of bearer tokens.' }),
  // No default here: it depends on the credential (auth-options.ts).
  AUTH_JWT_ALGORITHMS: text({
    doc: 'Allowed JWT algorithms, comma-separated. Default: HS256 with AUTH_JWT_SECRET, RS256,ES256 with AUTH_JWKS_URL.',
  }),
  AUTH_API_KEYS: text({
    doc: 'API keys as JSON: [{"sha256": "<hex SHA-256 of the key>", "subject": "svc", "scopes": ["data:read"]}]. A key must be 32+ random characters: shorter or predictable keys are refused when presented.',
    secret: true,
  }),
  AUTH_JWT_TYP: text({
    default: 'at+jwt',
    doc: 'Required typ header of bearer tokens (RFC 9068 access tokens: at+jwt; application/ prefix and case ignored). * accepts any typ.',
  }),
  AUTH_JWKS_CACHE_SECONDS: integer({
    default: 60,
    min: 1,
    max: 3600,
    doc: 'How long keys fetched from AUTH_JWKS_URL (and tokens verified with them) are trusted before the key set is fetched again: a key removed by the identity provider stops admitting tokens within this time.',
  }),
  AUTH_FAILURES_PER_MINUTE: integer({
    default: 30,
    min: 0,
    max: 1000000,
    doc: 'Failed authentications (a bad bearer token or API key) per client address per minute; past it, that address is answered 429 before its credentials are checked (0: no limit).',
  }),
  AUTH_NONE_ALLOW_REMOTE: flag({
    default: false,
    doc: 'With AUTH_MODE=none the server listens on 127.0.0.1 only, whatever HOST says; true listens on HOST (every caller of that address is an admin).',
  }),
  TLS_EXEMPT: text({
    doc: 'Connections that may go without verified TLS when NODE_ENV=production, comma-separated: database, redis, jwks. Only on a private network; each is logged at start.',
  }),
};

export const corsKeys = {
  CORS_ALLOWED_ORIGINS: text({
    doc: 'Origins whose pages may call the API from a browser, comma-separated, exactly as browsers send them (https://app.example.com). * allows any origin (not with CORS_ALLOW_CREDENTIALS, not in production). Unset: CORS off.',
  }),
  CORS_ALLOW_CREDENTIALS: flag({
    default: false,
    doc: 'Let allowed origins send credentialed requests (cookies, TLS client certificates): Access-Control-Allow-Credentials: true.',
  }),
  CORS_MAX_AGE_SECONDS: integer({
    default: 600,
    min: 0,
    max: 86400,
    doc: 'How long a browser may cache a preflight answer (Access-Control-Max-Age).',
  }),
};
