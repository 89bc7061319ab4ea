/**
 * Who is calling: a bearer JWT (HS256 with a shared secret, or RS256/ES256 keys from a JWKS URL,
 * checked with jose: signature, exp, nbf, iss, aud, and an allow-list of algorithms, so `none`
 * and algorithm confusion are refused) or an API key (X-API-Key, stored as a SHA-256 hash and
 * bound to a subject and scopes). AUTH_MODE=none is for local development only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ApiKeyEntry, AuthOptions } from '../config/auth-options.js';
import { AppError } from '../domain/errors.js';
import { CHALLENGE, type CredentialVerifier } from '../domain/authentication.js';
import { DEVELOPER, type Principal } from '../domain/principal.js';

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

/**
 * Tokens already verified, by their exact text (signature included), so a client that sends
 * the same token on every request pays for the signature check once. An entry is used only
 * while the token's own exp and nbf still admit it, and for at most VERIFIED_TTL_MS, so a key
 * removed from the JWKS stops admitting its tokens within that time.
 */
const VERIFIED_TOKENS = 10_000;
const VERIFIED_TTL_MS = 60_000;
interface Verified {
  principal: Principal;
  /** Epoch seconds, from the token; undefined when it has none. */
  exp: number | undefined;
  nbf: number | undefined;
}

type Jose = typeof import('jose');

export class Authenticator implements CredentialVerifier {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: ReturnType<Jose['createRemoteJWKSet']> | undefined;
  private readonly keys: { hash: Buffer; entry: ApiKeyEntry }[];
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS, ttl: VERIFIED_TTL_MS });

  /** jose is loaded only when tokens can be verified (not with AUTH_MODE=none): start-up time. */
  static async create(options: AuthOptions): Promise<Authenticator> {
    const verifiesTokens = options.mode !== 'none' && (options.jwtSecret || options.jwksUrl);
    return new Authenticator(options, verifiesTokens ? await import('jose') : undefined);
  }

  private constructor(
    private readonly options: AuthOptions,
    private readonly jose: Jose | undefined,
  ) {
    this.secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;
    this.jwks = options.jwksUrl && jose ? jose.createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
    this.keys = options.apiKeys.map((entry) => ({ hash: Buffer.from(entry.sha256, 'hex'), entry }));
  }

  get mode(): AuthOptions['mode'] {
    return this.options.mode;
  }

  /**
   * The caller named by the headers; undefined when none are given. Bad credentials throw 401.
   */
  async authenticate(headers: { authorization?: string; apiKey?: string }): Promise<Principal | undefined> {
    if (this.options.mode === 'none') return DEVELOPER;
    if (headers.authorization !== undefined) return this.fromBearer(headers.authorization);
    if (headers.apiKey !== undefined) return this.fromApiKey(headers.apiKey);
    return undefined;
  }

  private async fromBearer(header: string): Promise<Principal> {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
    if (!m) throw unauthorized('Authorization must be "Bearer <token>".', 'invalid_request');
    const token = m[1] as string;
    const known = this.verified.get(token);
    if (known) {
      const now = Date.now() / 1000;
      if ((known.exp === undefined || now < known.exp) && (known.nbf === undefined || now >= known.nbf)) {
        return known.principal;
      }
      this.verified.delete(token);
    }
    const verifyOptions = {
      algorithms: this.options.algorithms,
      issuer: this.options.issuer,
      audience: this.options.audience,
    };
    let payload: JWTPayload;
    try {
      if (this.secret && this.jose) {
        payload = (await this.jose.jwtVerify(token, this.secret, verifyOptions)).payload;
      } else if (this.jwks && this.jose) {
        payload = (await this.jose.jwtVerify(token, this.jwks, verifyOptions)).payload;
      } else {
        throw new Error('no JWT key configured');
      }
    } catch {
      // One answer for every failure: which check failed is not the caller's business.
      throw unauthorized('The bearer token is invalid, expired, or not for this service.');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw unauthorized('The bearer token names no subject (sub).');
    }
    const principal: Principal = { subject: payload.sub, scopes: scopesOf(payload), via: 'jwt' };
    this.verified.set(token, { principal, exp: payload.exp, nbf: payload.nbf });
    return principal;
  }

  private fromApiKey(key: string): Principal {
    const hash = createHash('sha256').update(key).digest();
    const found = this.keys.find((k) => k.hash.length === hash.length && timingSafeEqual(k.hash, hash));
    if (!found) throw unauthorized('The API key is not valid.');
    return { subject: found.entry.subject, scopes: new Set(found.entry.scopes), via: 'api-key' };
  }
}
