/**
 * The published contract, read and parsed once. Parsing the YAML costs a few hundred
 * milliseconds of start-up, so the build (`make build`, the image) also writes it as JSON to
 * dist/openapi.json with the SHA-256 of the YAML it came from; the JSON is used only while that
 * digest matches the YAML on disk, so an edited contract is never served stale.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_PATH, PROJECT_ROOT } from '../config/paths.js';

export interface Contract {
  yaml: string;
  json: string;
  /** A fresh object each call: openapi-backend dereferences what it is given in place. */
  document(): Record<string, unknown>;
}

/** Where the build writes the contract as JSON. */
export const CONTRACT_JSON_PATH = join(PROJECT_ROOT, 'dist', 'openapi.json');

interface Prebuilt {
  source_sha256: string;
  document: Record<string, unknown>;
}

let cached: Contract | undefined;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function prebuilt(jsonPath: string, digest: string): string | undefined {
  try {
    const file = JSON.parse(readFileSync(jsonPath, 'utf8')) as Prebuilt;
    return file.source_sha256 === digest ? JSON.stringify(file.document) : undefined;
  } catch {
    return undefined; // not built, or unreadable: parse the YAML
  }
}

/** The YAML parsed (the yaml package is loaded only when needed). */
export async function parseContract(yaml: string): Promise<Record<string, unknown>> {
  const { parse } = await import('yaml');
  return parse(yaml) as Record<string, unknown>;
}

/** Reads the contract: the prebuilt JSON when it was built from this very YAML, else the YAML. */
export async function readContract(
  yamlPath = CONTRACT_PATH,
  jsonPath = CONTRACT_JSON_PATH,
): Promise<Contract> {
  const yaml = readFileSync(yamlPath, 'utf8');
  const json = prebuilt(jsonPath, sha256(yaml)) ?? JSON.stringify(await parseContract(yaml));
  return { yaml, json, document: () => JSON.parse(json) as Record<string, unknown> };
}

export async function loadContract(): Promise<Contract> {
  cached ??= await readContract();
  return cached;
}
