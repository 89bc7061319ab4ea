/**
 * Part of the build: writes openapi/openapi.yaml as JSON to dist/openapi.json, with the SHA-256
 * of the YAML, so the server skips parsing YAML at start (src/api/contract.ts).
 *   node dist/src/cli/contract-json.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONTRACT_JSON_PATH, parseContract, sha256 } from '../api/contract.js';
import { CONTRACT_PATH } from '../config/paths.js';

const yaml = readFileSync(CONTRACT_PATH, 'utf8');
const document = await parseContract(yaml);
writeFileSync(CONTRACT_JSON_PATH, JSON.stringify({ source_sha256: sha256(yaml), document }));
console.log(`contract: ${CONTRACT_JSON_PATH}`);
