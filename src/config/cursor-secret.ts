/**
 * CURSOR_SECRET, the key that signs pagination cursors: required in production, else generated
 * per process. Every process behind one load balancer must hold the same key, so a primary that
 * generated one hands it to the workers it forks (workerEnv).
 */
import { randomBytes } from 'node:crypto';
import type { KeyValues, Loose } from './config-keys.js';
import { weakness } from './secret-strength.js';

type CursorKeys = Pick<KeyValues, 'NODE_ENV' | 'CURSOR_SECRET'>;

/** At least 32 characters when set; set, and not guessable, when NODE_ENV=production. */
export function checkCursorSecret(v: Loose<CursorKeys>, problems: string[]): void {
  const secret = v.CURSOR_SECRET;
  if (secret !== undefined && secret.length < 32) {
    problems.push('CURSOR_SECRET: must be at least 32 characters');
  }
  const weak = secret !== undefined && secret.length >= 32 ? weakness(secret) : undefined;
  if (weak && v.NODE_ENV === 'production') problems.push(`CURSOR_SECRET: ${weak}`);
  if (secret === undefined && v.NODE_ENV === 'production') {
    problems.push('CURSOR_SECRET: required when NODE_ENV=production');
  }
}

/** The key, and whether it was generated here (CURSOR_SECRET unset: cursors die with the process). */
export function cursorSecretOf(v: CursorKeys): { cursorSecret: Buffer; cursorSecretGenerated: boolean } {
  const secret = v.CURSOR_SECRET;
  return secret === undefined
    ? { cursorSecret: randomBytes(32), cursorSecretGenerated: true }
    : { cursorSecret: Buffer.from(secret, 'utf8'), cursorSecretGenerated: false };
}

/**
 * The environment a primary adds for the workers it forks, so that a cursor signed by one verifies
 * on the next: its generated CURSOR_SECRET; nothing when the key was configured.
 */
export function workerEnv(config: {
  cursorSecret: Buffer;
  cursorSecretGenerated: boolean;
}): Record<string, string> {
  return config.cursorSecretGenerated ? { CURSOR_SECRET: config.cursorSecret.toString('hex') } : {};
}
