/**
 * The breaking-change gate of `make lint` (mk/contract-gate.mjs, Optic's breaking-changes
 * ruleset), fed real changes of the contract: a breaking one fails it unless the major version
 * went up and the change log says so; an additive one passes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { CONTRACT_PATH, PROJECT_ROOT } from '../../src/config/paths.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const run = promisify(execFile);
const BASE = '1.1.0';

interface Outcome {
  code: number;
  output: string;
}

const CHANGES: Record<
  string,
  { version: string; breakingNote?: boolean; skipEntry?: boolean; change(d: Doc): void }
> = {
  'a response field removed': {
    version: '1.2.0',
    change(d) {
      delete d.components.schemas.Record.properties.updated_at;
      d.components.schemas.Record.required = d.components.schemas.Record.required.filter(
        (f: string) => f !== 'updated_at',
      );
    },
  },
  "a request field's type narrowed (string to integer)": {
    version: '1.2.0',
    change(d) {
      d.components.schemas.RecordCreate.properties.user_id = { type: 'integer' };
    },
  },
  'a new required query parameter': {
    version: '1.2.0',
    change(d) {
      d.paths['/data'].get.parameters.push({
        name: 'tenant',
        in: 'query',
        required: true,
        schema: { type: 'string' },
      });
    },
  },
  'additive: a response field, an optional parameter and an operation': {
    version: '1.2.0',
    change(d) {
      d.components.schemas.Record.properties.labels = { type: 'array', items: { type: 'string' } };
      d.paths['/data'].get.parameters.push({
        name: 'label',
        in: 'query',
        required: false,
        schema: { type: 'string' },
      });
      d.paths['/data/count'] = {
        get: {
          operationId: 'countRecords',
          responses: {
            '200': { description: 'n', content: { 'application/json': { schema: { type: 'integer' } } } },
          },
        },
      };
    },
  },
  'a removed field in a new major version announced in the change log': {
    version: '2.0.0',
    breakingNote: true,
    change(d) {
      delete d.components.schemas.Record.properties.updated_at;
      d.components.schemas.Record.required = d.components.schemas.Record.required.filter(
        (f: string) => f !== 'updated_at',
      );
    },
  },
  'a removed field in a new major version the change log does not call breaking': {
    version: '2.0.0',
    change(d) {
      delete d.components.schemas.Record.properties.updated_at;
    },
  },
  'a change without a new version': {
    version: BASE,
    change(d) {
      d.components.schemas.Record.properties.labels = { type: 'array', items: { type: 'string' } };
    },
  },
  'a new version without a change log entry': {
    version: '1.2.0',
    skipEntry: true,
    change(d) {
      d.components.schemas.Record.properties.labels = { type: 'array', items: { type: 'string' } };
    },
  },
};

describe('the breaking-change gate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-gate-'));
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    const base = parse(readFileSync(CONTRACT_PATH, 'utf8')) as Doc;
    base.info.version = BASE;
    // Each case in a directory of its own, all run at once: Optic takes seconds per diff.
    await Promise.all(
      Object.entries(CHANGES).map(async ([name, c], i) => {
        const at = join(dir, String(i));
        mkdirSync(join(at, 'released'), { recursive: true });
        writeFileSync(join(at, 'released', `${BASE}.yaml`), stringify(base));
        const next = structuredClone(base);
        next.info.version = c.version;
        c.change(next);
        writeFileSync(join(at, 'openapi.yaml'), stringify(next));
        const entryFor = c.skipEntry
          ? ''
          : `## ${c.version}\n\n${c.breakingNote ? '### Breaking\n\n- `updated_at` is gone.\n' : '### Added\n\n- Things.\n'}\n`;
        writeFileSync(
          join(at, 'CHANGELOG.md'),
          `# Log\n\n${c.version === BASE ? '' : entryFor}## ${BASE}\n\nFirst.\n`,
        );
        const argv = [
          'mk/contract-gate.mjs',
          '--contract',
          join(at, 'openapi.yaml'),
          '--released-dir',
          join(at, 'released'),
        ];
        try {
          const { stdout, stderr } = await run(
            process.execPath,
            [...argv, '--changelog', join(at, 'CHANGELOG.md')],
            {
              cwd: PROJECT_ROOT,
            },
          );
          outcomes.set(name, { code: 0, output: stdout + stderr });
        } catch (err) {
          const e = err as { code: number; stdout: string; stderr: string };
          outcomes.set(name, { code: e.code, output: e.stdout + e.stderr });
        }
      }),
    );
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['a response field removed', /cannot remove response property 'updated_at'/],
    ["a request field's type narrowed (string to integer)", /user_id/],
    ['a new required query parameter', /cannot add required query parameter tenant/],
  ])('when the contract has %s in a minor version, then the gate fails and names it', (name, finding) => {
    const outcome = outcomes.get(name)!;
    expect(outcome.code).toBe(1);
    expect(outcome.output).toMatch(/breaks clients/);
    expect(outcome.output).toMatch(finding);
  });

  test('when the change is additive, then the gate passes in a minor version', () => {
    const outcome = outcomes.get('additive: a response field, an optional parameter and an operation')!;
    expect(outcome).toMatchObject({ code: 0 });
    expect(outcome.output).toMatch(/1\.1\.0 → 1\.2\.0: no breaking change/);
  });

  test('when a breaking change comes with a new major version and a Breaking entry, then the gate passes', () => {
    const outcome = outcomes.get('a removed field in a new major version announced in the change log')!;
    expect(outcome).toMatchObject({ code: 0 });
    expect(outcome.output).toMatch(/announced by the major version/);
  });

  test('when a new major version has no Breaking section, then the gate still fails', () => {
    const outcome = outcomes.get(
      'a removed field in a new major version the change log does not call breaking',
    )!;
    expect(outcome.code).toBe(1);
    expect(outcome.output).toMatch(/release it as 2\.0\.0 with a "### Breaking" section/);
  });

  test('when the released contract changes without a new version, then the gate fails', () => {
    const outcome = outcomes.get('a change without a new version')!;
    expect(outcome.code).toBe(1);
    expect(outcome.output).toMatch(/differs from the released .*1\.1\.0\.yaml/);
  });

  test('when the version has no change log entry, then the gate fails', () => {
    const outcome = outcomes.get('a new version without a change log entry')!;
    expect(outcome.code).toBe(1);
    expect(outcome.output).toMatch(/has no entry "## 1\.2\.0"/);
  });
});
