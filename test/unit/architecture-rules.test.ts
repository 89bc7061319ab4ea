/**
 * The lint rules that hold the layering (docs/adr/0008-layers.md): each rule of
 * .dependency-cruiser.cjs is fed a tree with one wrong import and must refuse it, a right import
 * must pass, and ESLint refuses a file of src/ past 300 lines.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { PROJECT_ROOT } from '../../src/config/paths.js';

const rules = createRequire(import.meta.url)(join(PROJECT_ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: object[];
};

/** Cruises a tree of files (path → source) and answers the names of the rules it breaks. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dapi-arch-'));
  try {
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    const { output } = await cruise(['src'], {
      baseDir: dir,
      ruleSet: { forbidden: rules.forbidden } as never,
      validate: true,
      tsPreCompilationDeps: true,
      enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    });
    const result = output as ICruiseResult;
    return [...new Set(result.summary.violations.map((v) => v.rule.name))].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const leaf = 'export const x = 1;\n';

describe('the import rules', () => {
  test.each([
    [
      'data/ into services/',
      'src/services/a.ts',
      "import { x } from '../data/b.js';",
      'src/data/b.ts',
      'services-use-the-domain',
    ],
    [
      'data/ into api/',
      'src/api/a.ts',
      "import { x } from '../data/b.js';",
      'src/data/b.ts',
      'api-uses-services',
    ],
    [
      'api/ into services/',
      'src/services/a.ts',
      "import { x } from '../api/b.js';",
      'src/api/b.ts',
      'services-use-the-domain',
    ],
    [
      'api/ into config/',
      'src/config/a.ts',
      "import { x } from '../api/b.js';",
      'src/api/b.ts',
      'config-imports-nothing',
    ],
    [
      'config/ into domain/',
      'src/domain/a.ts',
      "import { x } from '../config/b.js';",
      'src/config/b.ts',
      'domain-imports-nothing',
    ],
    [
      'services/ into domain/',
      'src/domain/a.ts',
      "import { x } from '../services/b.js';",
      'src/services/b.ts',
      'domain-imports-nothing',
    ],
    [
      'an adapter into observability/',
      'src/observability/a.ts',
      "import { x } from '../data/b.js';",
      'src/data/b.ts',
      'observability-imports-no-adapter',
    ],
    [
      'api/ into data/',
      'src/data/a.ts',
      "import { x } from '../api/b.js';",
      'src/api/b.ts',
      'data-is-an-adapter',
    ],
  ])('when %s is imported, then lint refuses it', async (_what, from, source, target, rule) => {
    expect(await violations({ [from]: `${source}\nexport const y = x;\n`, [target]: leaf })).toContain(rule);
  });

  test('when two modules import each other, then lint refuses the cycle', async () => {
    const found = await violations({
      'src/cache/a.ts': "import { y } from './b.js';\nexport const x = () => y;\n",
      'src/cache/b.ts': "import { x } from './a.js';\nexport const y = () => x;\n",
    });
    expect(found).toEqual(['no-circular']);
  });

  test('when imports point the allowed way, then lint passes them', async () => {
    const found = await violations({
      'src/domain/model.ts': leaf,
      'src/config/config.ts': leaf,
      'src/services/use-case.ts': "import { x } from '../domain/model.js';\nexport const s = x;\n",
      'src/api/handler.ts': "import { s } from '../services/use-case.js';\nexport const h = s;\n",
      'src/data/repo.ts':
        "import { x } from '../domain/model.js';\nimport { x as c } from '../config/config.js';\nexport const r = x + c;\n",
      'src/app.ts':
        "import { h } from './api/handler.js';\nimport { r } from './data/repo.js';\nexport const app = [h, r];\n",
    });
    expect(found).toEqual([]);
  });
});

describe('the size rule', () => {
  test('when a file of src/ has more than 300 lines, then ESLint refuses it', async () => {
    const eslint = new ESLint({ cwd: PROJECT_ROOT });
    const long = Array.from({ length: 301 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    const [result] = await eslint.lintText(long, {
      filePath: join(PROJECT_ROOT, 'src', 'services', 'long.ts'),
    });
    expect(result?.messages.map((m) => m.ruleId)).toContain('max-lines');
    const [short] = await eslint.lintText('export const v = 1;\n', {
      filePath: join(PROJECT_ROOT, 'src', 'services', 'short.ts'),
    });
    expect(short?.messages.map((m) => m.ruleId)).not.toContain('max-lines');
  });
});
