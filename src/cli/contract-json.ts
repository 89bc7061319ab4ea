/**
 * Part of the build: writes openapi/openapi.yaml and its partner view (openapi/partner.yaml) as
 * JSON to dist/openapi.json, each with the SHA-256 of its YAML, so the server skips parsing YAML
 * at start (src/api/contract.ts).
 *   node dist/src/cli/contract-json.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONTRACT_JSON_PATH, parseContract, sha256, type Prebuilt } from '../api/contract.js';
import { CONTRACT_PATH, PARTNER_CONTRACT_PATH } from '../config/paths.js';

const yaml = readFileSync(CONTRACT_PATH, 'utf8');
const partnerYaml = readFileSync(PARTNER_CONTRACT_PATH, 'utf8');
const prebuilt: Prebuilt = {
  source_sha256: sha256(yaml),
  document: await parseContract(yaml),
  partner: { source_sha256: sha256(partnerYaml), document: await parseContract(partnerYaml) },
};
writeFileSync(CONTRACT_JSON_PATH, JSON.stringify(prebuilt));
console.log(`contract: ${CONTRACT_JSON_PATH}`);
