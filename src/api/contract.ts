/**
 * The published contract, read and parsed once: the whole document and its partner view (the
 * same without the operations marked x-internal, openapi/partner.yaml, written by
 * `make generate`). Parsing YAML costs a few hundred milliseconds of start-up, so the build
 * (`make build`, the image) also writes both as JSON to dist/openapi.json with the SHA-256 of the
 * YAML each came from; a JSON is used only while that digest matches the YAML on disk, so an
 * edited contract is never served stale.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_PATH, PARTNER_CONTRACT_PATH, PROJECT_ROOT } from '../config/paths.js';

/** One document as served: its YAML text and its JSON text. */
export interface ContractView {
  yaml: string;
  json: string;
}

export interface Contract extends ContractView {
  /** A fresh object each call: openapi-backend dereferences what it is given in place. */
  document(): Record<string, unknown>;
  /** The partner view. */
  partner: ContractView;
}

/** Where the build writes the contract as JSON. */
export const CONTRACT_JSON_PATH = join(PROJECT_ROOT, 'dist', 'openapi.json');

export interface PrebuiltDocument {
  source_sha256: string;
  document: Record<string, unknown>;
}

/** dist/openapi.json: the whole contract, and the partner view under `partner`. */
export interface Prebuilt extends PrebuiltDocument {
  partner?: PrebuiltDocument;
}

let cached: Contract | undefined;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function readPrebuilt(jsonPath: string): Prebuilt | undefined {
  try {
    return JSON.parse(readFileSync(jsonPath, 'utf8')) as Prebuilt;
  } catch {
    return undefined; // not built, or unreadable: parse the YAML
  }
}

/** The YAML parsed (the yaml package is loaded only when needed). */
export async function parseContract(yaml: string): Promise<Record<string, unknown>> {
  const { parse } = await import('yaml');
  return parse(yaml) as Record<string, unknown>;
}

async function view(yaml: string, prebuilt: PrebuiltDocument | undefined): Promise<ContractView> {
  const json =
    prebuilt?.source_sha256 === sha256(yaml)
      ? JSON.stringify(prebuilt.document)
      : JSON.stringify(await parseContract(yaml));
  return { yaml, json };
}

/** Reads the contract: the prebuilt JSON when it was built from this very YAML, else the YAML. */
export async function readContract(
  yamlPath = CONTRACT_PATH,
  jsonPath = CONTRACT_JSON_PATH,
  partnerPath = PARTNER_CONTRACT_PATH,
): Promise<Contract> {
  const prebuilt = readPrebuilt(jsonPath);
  const [whole, partner] = await Promise.all([
    view(readFileSync(yamlPath, 'utf8'), prebuilt),
    view(readFileSync(partnerPath, 'utf8'), prebuilt?.partner),
  ]);
  return { ...whole, partner, document: () => JSON.parse(whole.json) as Record<string, unknown> };
}

export async function loadContract(): Promise<Contract> {
  cached ??= await readContract();
  return cached;
}
