/**
 * How guessable a secret is. A length rule alone lets `aaaa…a` (32 identical characters) through,
 * and an API key is stored as a plain SHA-256, which only protects a key that cannot be guessed.
 * The estimate is the empirical Shannon entropy of the characters times the length, plus a check
 * for a repeated unit (`changeme-changeme-…`), which the character counts alone do not see. It
 * cannot tell a random string from a well-chosen pattern; it refuses the common weak ones.
 */

/** Shortest secret or API key accepted. */
export const MIN_SECRET_LENGTH = 32;
/**
 * Least estimated entropy. 32 random bytes in hex (`openssl rand -hex 32`) estimate about 250
 * bits, 16 in hex about 115, 32 random letters and digits about 150; `a` x 32 is 0 and
 * `abcd` x 8 is 64.
 */
export const MIN_SECRET_BITS = 96;

/** The characters' empirical Shannon entropy times the length, in bits. */
export function estimatedEntropyBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}

/** True when the whole string is one shorter unit written again and again. */
function repeatsAUnit(secret: string): boolean {
  for (let unit = 1; unit <= secret.length / 2; unit++) {
    if (secret.length % unit === 0 && secret.slice(0, unit).repeat(secret.length / unit) === secret)
      return true;
  }
  return false;
}

/** Why the value is too weak to be a secret or an API key; undefined when it is not. */
export function weakness(secret: string): string | undefined {
  if ([...secret].length < MIN_SECRET_LENGTH) return `shorter than ${MIN_SECRET_LENGTH} characters`;
  if (repeatsAUnit(secret)) return 'one sequence repeated';
  const bits = estimatedEntropyBits(secret);
  if (bits < MIN_SECRET_BITS) {
    return `too predictable (about ${Math.floor(bits)} bits; at least ${MIN_SECRET_BITS}, e.g. openssl rand -hex 32)`;
  }
  return undefined;
}
