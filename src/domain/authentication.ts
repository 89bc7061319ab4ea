/**
 * Authentication as the API asks it (src/auth implements it): the credentials a request
 * carries in, the caller's principal out.
 */
import type { Principal } from './principal.js';

/** What a request offers: a bearer token (the whole Authorization value) or an API key. */
export interface Credentials {
  authorization?: string;
  apiKey?: string;
}

export interface CredentialVerifier {
  /** The caller the credentials name; undefined when none are given. Bad credentials throw 401. */
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
  /**
   * The caller of credentials already verified and still valid, found without checking anything
   * (no signature verified, no key hashed); undefined when they would have to be checked.
   */
  known?(credentials: Credentials): Principal | undefined;
}

/** The challenge of the contract's security schemes, in every 401's WWW-Authenticate. */
export const CHALLENGE = 'Bearer realm="data-api"';
