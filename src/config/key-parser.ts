/**
 * Turns the environment into typed values, key by key, with envalid: an unset or empty variable
 * takes its declared default, a bad one is named in `problems` and left undefined, so that one
 * pass names every bad key at once.
 */
import { customCleanEnv } from 'envalid';
import { CONFIG_KEYS, type ConfigKey, type ConfigKeys, type KeyValues, type Loose } from './config-keys.js';

/** process.env or any stand-in for it (tests pass plain objects). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The values of the declared keys S (all of CONFIG_KEYS or a subset, see pickKeys), each problem
 * pushed as `KEY: what is wrong`, in declaration order. Read the result as Loose until
 * `problems` is known to be empty (see allParsed).
 */
export function parseKeys<S extends Partial<ConfigKeys>>(
  env: Env,
  keys: S,
  problems: string[],
): Loose<KeyValues<S>> {
  const input: Record<string, string> = {};
  for (const name of Object.keys(keys)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') input[name] = raw;
  }
  // The values are typed by the declarations (ValueOf in key-kinds.ts), not by envalid's spec types.
  return customCleanEnv(input, keys, (cleaned: unknown) => cleaned as Loose<KeyValues<S>>, {
    reporter: ({ errors }) => {
      for (const [name, err] of Object.entries(errors)) {
        if (err instanceof Error) problems.push(`${name}: ${err.message}`);
      }
    },
  });
}

/** Narrows once nothing is pending: every key then parsed (an invalid one always adds a problem). */
export function allParsed<V>(values: Loose<V>, problems: readonly string[]): values is V {
  return problems.length === 0;
}

/** A subset of the declared keys, for a tool that reads only these. */
export function pickKeys<K extends ConfigKey>(names: readonly K[]): Pick<ConfigKeys, K> {
  return Object.fromEntries(names.map((name) => [name, CONFIG_KEYS[name]])) as Pick<ConfigKeys, K>;
}
