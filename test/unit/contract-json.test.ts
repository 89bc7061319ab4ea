import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readContract, sha256 } from '../../src/api/contract.js';
import { CONTRACT_PATH } from '../../src/config/paths.js';

describe('the contract as prebuilt JSON (dist/openapi.json)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-json-'));
  const yamlPath = join(dir, 'openapi.yaml');
  const jsonPath = join(dir, 'openapi.json');
  const yaml = readFileSync(CONTRACT_PATH, 'utf8');
  writeFileSync(yamlPath, yaml);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('when the JSON was built from this YAML, then it is what is served', async () => {
    const marked = { ...(parse(yaml) as object), 'x-from': 'prebuilt' };
    writeFileSync(jsonPath, JSON.stringify({ source_sha256: sha256(yaml), document: marked }));
    const contract = await readContract(yamlPath, jsonPath);
    expect(contract.document()).toEqual(marked);
    expect(contract.yaml).toBe(yaml);
  });

  test('when the YAML changed after the build, then the JSON is ignored and the YAML parsed', async () => {
    const marked = { ...(parse(yaml) as object), 'x-from': 'prebuilt' };
    writeFileSync(jsonPath, JSON.stringify({ source_sha256: sha256(yaml + ' '), document: marked }));
    const contract = await readContract(yamlPath, jsonPath);
    expect(contract.document()).toEqual(parse(yaml));
  });

  test('when there is no JSON or it is not JSON, then the YAML is parsed', async () => {
    writeFileSync(jsonPath, '{not json');
    expect((await readContract(yamlPath, jsonPath)).document()).toEqual(parse(yaml));
    expect((await readContract(yamlPath, join(dir, 'missing.json'))).document()).toEqual(parse(yaml));
  });
});
