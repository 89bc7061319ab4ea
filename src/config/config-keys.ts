/**
 * Every configuration key, in the order docs/configuration.md lists them and problems are named.
 * Each is declared once, in the *-keys.ts file of its topic; the types of their values, the key
 * table the chart checks read and the docs test all come from these declarations.
 */
import type { KeyKind, ValueOf } from './key-kinds.js';
import { processKeys, requestKeys, serverKeys, trafficKeys } from './server-keys.js';
import { databaseKeys, migrationKeys, oracleKeys } from './storage-keys.js';
import { cacheKeys, redisKeys } from './redis-keys.js';
import { authKeys, corsKeys } from './security-keys.js';

export const CONFIG_KEYS = {
  ...serverKeys,
  ...databaseKeys,
  ...oracleKeys,
  ...migrationKeys,
  ...redisKeys,
  ...trafficKeys,
  ...cacheKeys,
  ...requestKeys,
  ...authKeys,
  ...corsKeys,
  ...processKeys,
};

export type ConfigKeys = typeof CONFIG_KEYS;
export type ConfigKey = keyof ConfigKeys;

/** The parsed value of every key (or of the keys of S), typed by its declaration. */
export type KeyValues<S = ConfigKeys> = { readonly [K in keyof S]: ValueOf<S[K]> };

/**
 * The same while problems may still be pending: a key whose text was bad is undefined here (its
 * problem is named), so the rules that run before the verdict read every key as possibly unset.
 */
export type Loose<V> = { readonly [K in keyof V]: V[K] | undefined };

/** A row of the key table, as the chart checks read it; the default is the environment text. */
export interface KeyRow {
  kind: KeyKind;
  doc: string;
  default?: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  secret?: boolean;
}

/** The key table, for src/cli/config-keys.ts and the docs test. */
export function keyTable(): Record<ConfigKey, KeyRow> {
  const rows = Object.entries(CONFIG_KEYS).map(([name, key]) => {
    const { kind, doc, min, max, values, secret } = key;
    const row: KeyRow = { kind, doc };
    if (key.default !== undefined) row.default = String(key.default);
    if (min !== undefined) row.min = min;
    if (max !== undefined) row.max = max;
    if (values !== undefined) row.values = values;
    if (secret) row.secret = true;
    return [name, row];
  });
  return Object.fromEntries(rows) as Record<ConfigKey, KeyRow>;
}
