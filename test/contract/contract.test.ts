/** The contract, the handlers, the error catalog and its documentation agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { operationsHandlers } from '../../src/api/handlers/operations-handlers.js';
import { recordsHandlers } from '../../src/api/handlers/records-handlers.js';
import { ERRORS } from '../../src/domain/errors.js';
import { CONTRACT_PATH, PROJECT_ROOT } from '../../src/config/paths.js';

interface Op {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { example?: { code?: string } }> }>;
}
const doc = parse(readFileSync(CONTRACT_PATH, 'utf8')) as {
  paths: Record<string, Record<string, Op>>;
  components: {
    responses: Record<string, { content?: Record<string, { example: { code: string; status: number } }> }>;
  };
};
const operations = Object.values(doc.paths).flatMap((item) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
    .map(([, op]) => op),
);

describe('contract', () => {
  test('when handlers are registered, then they are exactly the operationIds', () => {
    const handlers = {
      ...recordsHandlers(null as never),
      ...operationsHandlers({
        metrics: null as never,
        readiness: null as never,
        contract: null as never,
        referenceTtlSeconds: 0,
      }),
    };
    expect(Object.keys(handlers).sort()).toEqual(operations.map((o) => o.operationId).sort());
  });

  test('when the catalog can answer a status, then some operation declares it', () => {
    const declared = new Set(operations.flatMap((o) => Object.keys(o.responses)));
    // 404 route-not-found, 405, and malformed HTTP (400, 431) concern no operation (the
    // contract's description says so); 501 is unreachable while the test above holds.
    const outside = new Set(['DAPI-4042', 'DAPI-4051', 'DAPI-4006', 'DAPI-4311', 'DAPI-5011']);
    for (const spec of Object.values(ERRORS)) {
      if (!outside.has(spec.code))
        expect([spec.code, declared.has(String(spec.status))]).toEqual([spec.code, true]);
    }
  });

  test('when the contract shows an error example, then its code and status are in the catalog', () => {
    const byCode = new Map(Object.values(ERRORS).map((e) => [e.code, e]));
    for (const response of Object.values(doc.components.responses)) {
      const example = response.content?.['application/problem+json']?.example;
      if (!example) continue;
      expect(byCode.get(example.code)?.status).toBe(example.status);
    }
  });

  test('when docs/errors.md is read, then it lists every code with its status and type', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8');
    for (const spec of Object.values(ERRORS)) {
      expect(text).toMatch(
        new RegExp(`\\|\\s*\`${spec.code}\`\\s*\\|\\s*${spec.status}\\s*\\|\\s*\`${spec.slug}\`\\s*\\|`),
      );
    }
  });
});
