/** The published contract, read and parsed once. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONTRACT_PATH } from '../paths.js';

export interface Contract {
  yaml: string;
  json: string;
  /** A fresh object each call: openapi-backend dereferences what it is given in place. */
  document(): Record<string, unknown>;
}

let cached: Contract | undefined;

export function loadContract(): Contract {
  if (cached) return cached;
  const yaml = readFileSync(CONTRACT_PATH, 'utf8');
  const json = JSON.stringify(parse(yaml));
  cached = { yaml, json, document: () => JSON.parse(json) as Record<string, unknown> };
  return cached;
}
