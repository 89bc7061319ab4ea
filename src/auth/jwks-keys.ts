/**
 * The identity provider's keys (AUTH_JWKS_URL) for jose, with the two failures told apart: a
 * token whose key is not in a key set that was fetched is the caller's problem (401), a key set
 * that cannot be fetched is ours (503 identity-provider-unavailable, counted, with Retry-After),
 * so an outage of the identity provider is not reported to every caller as a bad token.
 */
import type { JWTHeaderParameters, FlattenedJWSInput } from 'jose';
import { AppError } from '../domain/errors.js';

type Jose = typeof import('jose');
type RemoteKeys = ReturnType<Jose['createRemoteJWKSet']>;
export type KeyFunction = (header: JWTHeaderParameters, token: FlattenedJWSInput) => ReturnType<RemoteKeys>;

/** Seconds a caller is told to wait, and how long a failed fetch is not retried by every request. */
export const KEYS_RETRY_AFTER_SECONDS = 5;
// jose's own fetch timeout, written out: a request waits at most this long for the key set.
const FETCH_TIMEOUT_MS = 5000;

/** The key was looked up in a key set that arrived: the token, not the provider, is at fault. */
const TOKEN_FAULTS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWK_INVALID',
]);

export interface JwksOptions {
  url: string;
  /** Longest a fetched key set is used before it is fetched again. */
  cacheSeconds: number;
  /** Told of every request answered 503 because the keys could not be had (for a metric). */
  onUnavailable?: () => void;
}

function unavailable(cause?: unknown): AppError {
  return new AppError('identityProviderUnavailable', {
    detail:
      "The identity provider's keys cannot be fetched, so bearer tokens cannot be verified now; retry later.",
    retryAfterSeconds: KEYS_RETRY_AFTER_SECONDS,
    cause,
  });
}

/**
 * jose's remote key set with its cache lifetime set (jose's default keeps a removed key for ten
 * minutes and more), and its failures to fetch turned into 503. After a failure, requests that
 * would need a fresh key set are answered 503 at once for KEYS_RETRY_AFTER_SECONDS instead of
 * each waiting for its own fetch to time out.
 */
export function jwksKeys(jose: Jose, options: JwksOptions): KeyFunction {
  const cacheMaxAge = options.cacheSeconds * 1000;
  const remote = jose.createRemoteJWKSet(new URL(options.url), {
    cacheMaxAge,
    // A token naming a key not in the set refetches it at most this often (key rotation).
    cooldownDuration: Math.min(30_000, cacheMaxAge),
    timeoutDuration: FETCH_TIMEOUT_MS,
  });
  let failedAt = Number.NEGATIVE_INFINITY;
  return async (header, token) => {
    if (!remote.fresh && Date.now() - failedAt < KEYS_RETRY_AFTER_SECONDS * 1000) {
      options.onUnavailable?.();
      throw unavailable();
    }
    try {
      return await remote(header, token);
    } catch (err) {
      if (TOKEN_FAULTS.has((err as { code?: string }).code ?? '')) throw err;
      failedAt = Date.now();
      options.onUnavailable?.();
      throw unavailable(err);
    }
  };
}
