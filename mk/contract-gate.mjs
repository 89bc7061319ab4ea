// The breaking-change gate of `make lint` (docs/api-versioning.md). Compares the contract with
// the last released one (the highest version in openapi/released/) and fails when:
//   - info.version is lower than the released one, or equal while the document differs (a
//     released contract is frozen: a change needs a new version);
//   - the change log (openapi/CHANGELOG.md) has no entry for info.version or a released version;
//   - Optic's breaking-changes ruleset finds a breaking change, unless the major version went
//     up and the change log's entry for it has a "### Breaking" section that says what broke.
// Optic runs offline (two files, no git, no account; telemetry off).
//   node mk/contract-gate.mjs [--contract F] [--released-dir D] [--changelog F] [--standard F]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const { values: args } = parseArgs({
  options: {
    contract: { type: 'string', default: 'openapi/openapi.yaml' },
    'released-dir': { type: 'string', default: 'openapi/released' },
    changelog: { type: 'string', default: 'openapi/CHANGELOG.md' },
    standard: { type: 'string', default: 'openapi/optic-standard.yml' },
  },
});

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const parts = (v) => v.match(SEMVER).slice(1, 4).map(Number);
const compare = (a, b) => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

function fail(message) {
  console.error(`contract gate: ${message}`);
  process.exit(1);
}

/** The change log's entry for a version: the text from its "## <version>" heading to the next. */
function entry(changelog, version) {
  const lines = changelog.split('\n');
  const start = lines.findIndex((l) =>
    new RegExp(`^## \\[?${version.replaceAll('.', '\\.')}\\]?(\\s|$)`).test(l),
  );
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

const current = parse(readFileSync(args.contract, 'utf8'));
const version = current?.info?.version;
if (typeof version !== 'string' || !SEMVER.test(version))
  fail(`info.version "${version}" is not MAJOR.MINOR.PATCH`);

const released = readdirSync(args['released-dir'])
  .map((f) => f.replace(/\.yaml$/, ''))
  .filter((v) => SEMVER.test(v))
  .sort(compare);
if (released.length === 0) fail(`no released contract in ${args['released-dir']}/`);
const changelog = existsSync(args.changelog) ? readFileSync(args.changelog, 'utf8') : '';
for (const v of [...released, version]) {
  if (entry(changelog, v) === undefined) fail(`${args.changelog} has no entry "## ${v}"`);
}

const base = released.at(-1);
const basePath = join(args['released-dir'], `${base}.yaml`);
const baseDoc = parse(readFileSync(basePath, 'utf8'));
if (baseDoc?.info?.version !== base)
  fail(`${basePath} says info.version ${baseDoc?.info?.version}, not ${base}`);
const order = compare(version, base);
if (order < 0) fail(`info.version ${version} is lower than the released ${base}`);
if (order === 0) {
  if (!isDeepStrictEqual(current, baseDoc)) {
    fail(
      `${args.contract} differs from the released ${basePath}: give it a new info.version (docs/api-versioning.md)`,
    );
  }
  console.log(`contract gate: ${version} is the released contract, unchanged`);
  process.exit(0);
}

// Optic waives its breaking-change rules when the major version went up; the policy here wants
// them reported either way, so it compares a copy of the released contract bearing the new version.
const scratch = mkdtempSync(join(tmpdir(), 'contract-gate-'));
const baseCopy = join(scratch, `${base}.yaml`);
writeFileSync(baseCopy, stringify({ ...baseDoc, info: { ...baseDoc.info, version } }));
const optic = spawnSync(
  process.execPath,
  [
    'node_modules/@useoptic/optic/build/index.js',
    'diff',
    baseCopy,
    args.contract,
    '--check',
    '--standard',
    args.standard,
  ],
  { encoding: 'utf8', env: { ...process.env, OPTIC_TELEMETRY_LEVEL: 'off', NO_COLOR: '1' } },
);
rmSync(scratch, { recursive: true, force: true });
const report = `${optic.stdout}${optic.stderr}`;
const checks = report.match(/Checks: (\d+)\/(\d+) passed/);
if (!checks) fail(`Optic gave no result (exit ${optic.status}):\n${report}`);
const breaking = optic.status !== 0 || checks[1] !== checks[2];
const majorUp = parts(version)[0] > parts(base)[0];
if (!breaking) {
  console.log(
    `contract gate: ${base} → ${version}: no breaking change (Optic: ${checks[1]}/${checks[2]} checks passed)`,
  );
  process.exit(0);
}
const findings = report
  .split('\n')
  .filter((l) => /^\s*x /.test(l) || /This is a breaking change/.test(l))
  .join('\n');
if (majorUp && /^### Breaking/m.test(entry(changelog, version))) {
  console.log(
    `contract gate: ${base} → ${version}: breaking changes, announced by the major version and the change log:`,
  );
  console.log(findings);
  process.exit(0);
}
fail(
  `${base} → ${version} breaks clients (Optic: ${checks[1]}/${checks[2]} checks passed):\n${findings}\n` +
    `Make it additive, or release it as ${parts(base)[0] + 1}.0.0 with a "### Breaking" section in ` +
    `${args.changelog} (docs/api-versioning.md).`,
);
