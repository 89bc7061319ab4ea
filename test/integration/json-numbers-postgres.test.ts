/**
 * How PostgreSQL and PGlite write a jsonb number back, asked of the real engines: the service
 * splices that text into its answers, and docs/payload-numbers.md states the rule plainDecimal
 * implements. A difference between the engines, or from the rule, fails here.
 */
import { compileStatement } from '../../src/data/sql-catalog.js';
import { plainDecimal } from '../../src/domain/json-numbers.js';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { EXACT_NUMBERS, POSTGRES_WRITES } from '../helpers/number-cases.js';

const AS_JSONB = compileStatement('numberAsJsonb', 'SELECT (:doc::jsonb)::text AS text');

/** Number tokens of every shape: signs, leading zeros of a fraction, exponents either way. */
function tokens(count: number): string[] {
  let seed = 11;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const int = random(3) === 0 ? '0' : `${1 + random(9)}${String(random(10 ** random(9))).slice(1)}`;
    const frac = random(2) === 0 ? '' : `.${'0'.repeat(random(5))}${random(100_000)}${'0'.repeat(random(3))}`;
    const exp = random(2) === 0 ? '' : `${random(2) ? 'e' : 'E'}${['', '+', '-'][random(3)]}${random(60)}`;
    out.push(`${random(2) ? '-' : ''}${int}${frac}${exp}`);
  }
  return out;
}

for (const kind of BACKENDS) {
  describe(`jsonb numbers on ${kind}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
    });
    afterAll(async () => {
      await t?.drop();
    });

    const written = async (sent: string[]): Promise<string[]> => {
      const [row] = await t.db.query<{ text: string }>(AS_JSONB, { doc: `[${sent.join(',')}]` });
      return JSON.parse(row!.text.replace(/(-?[\d.]+(?:[eE][-+]?\d+)?)/g, '"$1"')) as string[];
    };

    test('when the documented examples are stored, then they come back as documented', async () => {
      expect(await written(POSTGRES_WRITES.map(([sent]) => sent))).toEqual(POSTGRES_WRITES.map(([, s]) => s));
    });

    test('when 500 numbers of every shape are stored, then each comes back as plainDecimal says', async () => {
      const sent = tokens(500);
      expect(await written(sent)).toEqual(sent.map(plainDecimal));
    });

    test("when the issue's numbers are stored, then every digit comes back", async () => {
      const sent = EXACT_NUMBERS.map(([, text]) => text);
      expect(await written(sent)).toEqual(sent);
    });
  });
}
