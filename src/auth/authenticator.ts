/**
 * Who is calling: a bearer JWT (HS256 with a shared secret, or RS256/ES256 keys from a JWKS URL,
 * checked with jose: signature, exp and sub required, nbf, iss, aud, typ, and an allow-list of
 * algorithms, so `none` and algorithm confusion are refused) or an API key (X-API-Key, stored as
 * a SHA-256 hash and bound to a subject and scopes). AUTH_MODE=none is for local development only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ApiKeyEntry, AuthOptions } from '../config/auth-options.js';
import { weakness } from '../config/secret-strength.js';
import { AppError } from '../domain/errors.js';
import { CHALLENGE, type CredentialVerifier } from '../domain/authentication.js';
import { DEVELOPER, USER_ID, type Principal } from '../domain/principal.js';
import { jwksKeys, type KeyFunction } from './jwks-keys.js';

function unauthorized(detail: string, error = 'invalid_token'): AppError {
  return new AppError('unauthorized', {
    detail,
    headers: { 'WWW-Authenticate': `${CHALLENGE}, error="${error}"` },
  });
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scope = payload.scope;
  const scp = payload.scp;
  if (typeof scope === 'string') return new Set(scope.split(' ').filter(Boolean));
  if (Array.isArray(scp)) return new Set(scp.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

// RFC 6750 2.1: "Bearer" 1*SP b64token (RFC 7235 token68), the scheme name in any case.
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Tokens already verified, by their exact text (signature included), so a client that sends
 * the same token on every request pays for the signature check once. An entry is used only
 * while the token's own exp and nbf still admit it, and for at most 60 s or the JWKS cache
 * lifetime when that is shorter, so a key removed from the JWKS stops admitting its tokens
 * within that time.
 */
const VERIFIED_TOKENS = 10_000;
const VERIFIED_TTL_MS = 60_000;
interface Verified {
  principal: Principal;
  /** Epoch seconds, from the token (exp is required, so always there). */
  exp: number;
  nbf: number | undefined;
}

type Jose = typeof import('jose');

export interface AuthenticatorHooks {
  /** Told of each request answered 503 because the JWKS could not be fetched (for a metric). */
  onKeysUnavailable?: () => void;
}

export class Authenticator implements CredentialVerifier {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: KeyFunction | undefined;
  private readonly keys: { hash: Buffer; entry: ApiKeyEntry }[];
  private readonly verified: LRUCache<string, Verified>;

  /** jose is loaded only when tokens can be verified (not with AUTH_MODE=none): start-up time. */
  static async create(options: AuthOptions, hooks: AuthenticatorHooks = {}): Promise<Authenticator> {
    const verifiesTokens = options.mode !== 'none' && (options.jwtSecret || options.jwksUrl);
    return new Authenticator(options, verifiesTokens ? await import('jose') : undefined, hooks);
  }

  private constructor(
    private readonly options: AuthOptions,
    private readonly jose: Jose | undefined,
    hooks: AuthenticatorHooks,
  ) {
    this.secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;
    this.jwks =
      options.jwksUrl && jose
        ? jwksKeys(jose, {
            url: options.jwksUrl,
            cacheSeconds: options.jwksCacheSeconds,
            onUnavailable: hooks.onKeysUnavailable,
          })
        : undefined;
    this.keys = options.apiKeys.map((entry) => ({ hash: Buffer.from(entry.sha256, 'hex'), entry }));
    const ttl = options.jwksUrl
      ? Math.min(VERIFIED_TTL_MS, options.jwksCacheSeconds * 1000)
      : VERIFIED_TTL_MS;
    this.verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS, ttl });
  }

  get mode(): AuthOptions['mode'] {
    return this.options.mode;
  }

  /**
   * The caller named by the headers; undefined when none are given. Bad credentials throw 401;
   * keys of the identity provider that cannot be fetched throw 503.
   */
  async authenticate(headers: { authorization?: string; apiKey?: string }): Promise<Principal | undefined> {
    if (this.options.mode === 'none') return DEVELOPER;
    if (headers.authorization !== undefined) return this.fromBearer(headers.authorization);
    if (headers.apiKey !== undefined) return this.fromApiKey(headers.apiKey);
    return undefined;
  }

  /** A bearer token verified before and still valid: its caller, without verifying it again. */
  known(headers: { authorization?: string; apiKey?: string }): Principal | undefined {
    if (this.options.mode === 'none' || headers.authorization === undefined) return undefined;
    const token = BEARER.exec(headers.authorization.trim())?.[1];
    return token === undefined ? undefined : this.stillVerified(token);
  }

  private stillVerified(token: string): Principal | undefined {
    const known = this.verified.get(token);
    if (!known) return undefined;
    const now = Date.now() / 1000;
    if (now < known.exp && (known.nbf === undefined || now >= known.nbf)) return known.principal;
    this.verified.delete(token);
    return undefined;
  }

  private async fromBearer(header: string): Promise<Principal> {
    const m = BEARER.exec(header.trim());
    if (!m) throw unauthorized('Authorization must be "Bearer <token>".', 'invalid_request');
    const token = m[1] as string;
    const known = this.stillVerified(token);
    if (known) return known;
    const payload = await this.verify(token);
    // sub is compared with user_id by the owner rule: it must be one.
    if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub)) {
      throw unauthorized('The bearer token names no subject (sub) that is a user_id.');
    }
    const principal: Principal = { subject: payload.sub, scopes: scopesOf(payload), via: 'jwt' };
    this.verified.set(token, { principal, exp: payload.exp as number, nbf: payload.nbf });
    return principal;
  }

  private async verify(token: string): Promise<JWTPayload> {
    const verifyOptions = {
      algorithms: this.options.algorithms,
      issuer: this.options.issuer,
      audience: this.options.audience,
      // A token without exp would be valid forever (RFC 8725 3.10: the profile requires it).
      requiredClaims: ['exp', 'sub'],
      typ: this.options.typ,
    };
    try {
      if (this.secret && this.jose)
        return (await this.jose.jwtVerify(token, this.secret, verifyOptions)).payload;
      if (this.jwks && this.jose) return (await this.jose.jwtVerify(token, this.jwks, verifyOptions)).payload;
      throw new Error('no JWT key configured');
    } catch (err) {
      if (err instanceof AppError) throw err;
      // One answer for every failure: which check failed is not the caller's business.
      throw unauthorized('The bearer token is invalid, expired, or not for this service.');
    }
  }

  private fromApiKey(key: string): Principal {
    // Keys are kept as plain SHA-256: only a key that cannot be guessed is safe that way.
    if (weakness(key) !== undefined) throw unauthorized('The API key is not valid.');
    const hash = createHash('sha256').update(key).digest();
    // Every entry is compared, so the time taken does not say which entry matched.
    let found: ApiKeyEntry | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(k.hash, hash) && found === undefined) found = k.entry;
    }
    if (!found) throw unauthorized('The API key is not valid.');
    return { subject: found.subject, scopes: new Set(found.scopes), via: 'api-key' };
  }
}
