/**
 * The partner view (openapi/partner.yaml) is a strict subset of the contract, and the contract
 * keeps the promises partners' generated clients rely on: absolute servers, X-Request-Id
 * declared everywhere, a fixed problem code narrowed to it, operational endpoints x-internal.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { join } from 'node:path';
import { CONTRACT_PATH, PARTNER_CONTRACT_PATH, PROJECT_ROOT } from '../../src/config/paths.js';

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const full = parse(readFileSync(CONTRACT_PATH, 'utf8')) as Node;
const partner = parse(readFileSync(PARTNER_CONTRACT_PATH, 'utf8')) as Node;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

function resolve(node: Node): Node {
  if (typeof node.$ref !== 'string') return node;
  const path = (node.$ref as string).replace(/^#\//, '').split('/');
  return resolve(path.reduce<Node>((n, key) => n[key] as Node, full));
}

/** Every key path under `node` whose key is `name`. */
function keysNamed(node: unknown, name: string, at = ''): string[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === name ? [`${at}/${key}`] : []),
    ...keysNamed(value, name, `${at}/${key}`),
  ]);
}

describe('the partner view', () => {
  test('when compared with the contract, then every part of it is the same part of the contract', () => {
    for (const [key, value] of Object.entries(partner)) {
      if (key === 'paths' || key === 'components') continue;
      expect([key, value]).toEqual([key, full[key]]);
    }
    for (const [path, item] of Object.entries(partner.paths as Node)) {
      expect([path, item]).toEqual([path, full.paths[path]]);
    }
    for (const [kind, entries] of Object.entries(partner.components as Node)) {
      for (const [name, value] of Object.entries(entries as Node)) {
        expect([kind, name, isDeepStrictEqual(value, full.components[kind][name])]).toEqual([
          kind,
          name,
          true,
        ]);
      }
    }
  });

  test('when the contract has x-internal paths, then the partner view has exactly the others', () => {
    const internal = Object.keys(full.paths).filter((p) => full.paths[p]['x-internal'] === true);
    expect(internal.sort()).toEqual(
      [
        '/docs',
        '/docs/{asset}',
        '/metrics',
        '/openapi.json',
        '/openapi.yaml',
        '/openapi/partner.json',
        '/openapi/partner.yaml',
      ].sort(),
    );
    expect(Object.keys(partner.paths).sort()).toEqual(
      Object.keys(full.paths)
        .filter((p) => !internal.includes(p))
        .sort(),
    );
    expect(keysNamed(partner, 'x-internal')).toEqual([]);
  });

  test('when a $ref of the partner view is followed, then it names a component the view has', () => {
    const refs = new Set<string>();
    JSON.stringify(partner, (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') refs.add(value);
      return value;
    });
    for (const ref of refs) {
      const [, kind, name] = ref.split('/').slice(1);
      expect([ref, partner.components?.[kind!]?.[name!] !== undefined]).toEqual([ref, true]);
    }
  });
});

describe('the contract for generated clients', () => {
  test('when a generator reads the servers, then each is an absolute URL with a description', () => {
    expect(full.servers[0]).toMatchObject({ url: 'http://localhost:8000' });
    for (const server of full.servers as Node[]) {
      expect(server.url).toMatch(/^https?:\/\//);
      expect(server.description).toEqual(expect.any(String));
    }
  });

  test('when any path is called, then it declares the X-Request-Id it accepts', () => {
    for (const [path, item] of Object.entries(full.paths as Node)) {
      const names = ((item.parameters ?? []) as Node[]).map((p) => resolve(p).name as string);
      expect([path, names]).toEqual([path, expect.arrayContaining(['X-Request-Id'])]);
    }
  });

  test('when any response is declared, then it declares the X-Request-Id the server echoes', () => {
    for (const [path, item] of Object.entries(full.paths as Node)) {
      for (const method of METHODS.filter((m) => item[m])) {
        for (const [status, response] of Object.entries(item[method].responses as Node)) {
          const headers = Object.keys(resolve(response).headers ?? {});
          expect([path, method, status, headers]).toEqual([
            path,
            method,
            status,
            expect.arrayContaining(['X-Request-Id']),
          ]);
        }
      }
    }
  });

  test('when an answer can carry one problem code only, then its schema narrows code to it and its example agrees', () => {
    let narrowed = 0;
    for (const [name, response] of Object.entries(full.components.responses as Node)) {
      const media = response.content?.['application/problem+json'];
      if (!media) continue;
      const schema = resolve(media.schema);
      const codes = ((schema.allOf ?? []) as Node[]).flatMap(
        (part) => (resolve(part).properties?.code?.enum as string[]) ?? [],
      );
      if (codes.length === 0) continue;
      narrowed++;
      expect([name, codes]).toEqual([name, [media.example.code]]);
      expect(keysNamed(schema, 'const')).toEqual([]);
    }
    expect(narrowed).toBeGreaterThanOrEqual(14);
    expect(full.components.schemas.Problem.properties.code.enum).toBeUndefined();
  });

  test('when Problem and FieldError are read, then every property has a description', () => {
    for (const schema of ['Problem', 'FieldError', 'Health', 'Record']) {
      for (const [prop, value] of Object.entries(full.components.schemas[schema].properties as Node)) {
        const described = value.description ?? resolve(value).description;
        expect([schema, prop, typeof described]).toEqual([schema, prop, 'string']);
      }
    }
  });

  test("when the clients are packaged, then each one's version is the contract's info.version", () => {
    const ts = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'clients', 'typescript', 'package.json'), 'utf8'),
    ) as Node;
    const pyproject = readFileSync(
      join(PROJECT_ROOT, 'clients', 'python', 'data-api-client', 'pyproject.toml'),
      'utf8',
    );
    expect([ts.version, /^version = "([^"]+)"$/m.exec(pyproject)?.[1]]).toEqual([
      full.info.version,
      full.info.version,
    ]);
  });
});
