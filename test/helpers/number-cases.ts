/** Payload numbers the tests share: how PostgreSQL writes numbers back, and the issue's values. */

/** What PostgreSQL 15 and PGlite (PostgreSQL 18) answered for `SELECT '<n>'::jsonb::text`. */
export const POSTGRES_WRITES: [string, string][] = [
  ['1.0', '1.0'],
  ['1e0', '1'],
  ['1E0', '1'],
  ['-0', '0'],
  ['-0.0', '0.0'],
  ['-0e5', '0'],
  ['0e-3', '0.000'],
  ['1E+2', '100'],
  ['1e2', '100'],
  ['1.50', '1.50'],
  ['1.500e1', '15.00'],
  ['0.5e1', '5'],
  ['1e-3', '0.001'],
  ['1.0e-3', '0.0010'],
  ['12.34e-1', '1.234'],
  ['100e-2', '1.00'],
  ['1e21', '1000000000000000000000'],
  ['1e+21', '1000000000000000000000'],
  ['1e-7', '0.0000001'],
  ['-123456789012345678901234567890', '-123456789012345678901234567890'],
  ['9007199254740993', '9007199254740993'],
  ['18446744073709551615', '18446744073709551615'],
  ['3.14159265358979323846264338327950288', '3.14159265358979323846264338327950288'],
  ['0.1000000000000000055511151231257827', '0.1000000000000000055511151231257827'],
];

/**
 * The numbers of issue 18, as a client sends them: none survives a double. Their members are
 * named in jsonb's order (shorter names first, then bytewise), so a payload of them comes back
 * from PostgreSQL as the very text that was sent.
 */
export const EXACT_NUMBERS: [name: string, text: string][] = [
  ['a', '9007199254740993'], // 2^53 + 1
  ['pi', '3.14159265358979323846264338327950288'], // π to 36 significant digits
  ['d34', '0.1000000000000000055511151231257827'], // 34 significant digits
  ['i64', '18446744073709551615'], // 2^64 − 1
  ['neg30', '-123456789012345678901234567890'], // a 30-digit negative integer
];

/** A payload of EXACT_NUMBERS (JSON text, compact, in jsonb's member order). */
export function exactPayload(extra = ''): string {
  return `{${EXACT_NUMBERS.map(([name, text]) => `"${name}":${text}`).join(',')}${extra}}`;
}
