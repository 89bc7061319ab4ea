/** The configuration of the command-line tools (src/cli/), which read the environment through here. */
import { loadConfig, type Config } from './config.js';
import type { ConfigKey } from './config-keys.js';
import { ConfigError } from './config-error.js';
import { allParsed, parseKeys, pickKeys, type Env } from './key-parser.js';

/**
 * For a tool that serves no requests (make migrate, make partitions): the environment with
 * `overrides` on top, without the authentication and CORS rules. Throws a ConfigError.
 */
export function loadToolConfig(
  overrides: Partial<Record<ConfigKey, string>>,
  env: Env = process.env,
): Readonly<Config> {
  return loadConfig({ ...env, ...overrides }, { serving: false });
}

/** What make token signs with: the shared secret (maybe unset) and the iss and aud the server requires. */
export function loadTokenConfig(env: Env = process.env): {
  jwtSecret: string | undefined;
  issuer: string;
  audience: string;
} {
  const problems: string[] = [];
  const v = parseKeys(env, pickKeys(['AUTH_JWT_SECRET', 'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE']), problems);
  if (!allParsed(v, problems)) throw new ConfigError(problems);
  return { jwtSecret: v.AUTH_JWT_SECRET, issuer: v.AUTH_JWT_ISSUER, audience: v.AUTH_JWT_AUDIENCE };
}
