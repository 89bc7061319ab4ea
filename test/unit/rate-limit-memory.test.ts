/** The GCRA arithmetic, through the in-process limiter with a fake clock. */
import type { RateDecision } from '../../src/domain/rate-limit.js';
import { gcraStep, MemoryRateLimiter, subjectKey } from '../../src/ratelimit/rate-limiter.js';

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

async function burst(
  limiter: MemoryRateLimiter,
  n: number,
  subject = 'user:a',
  kind: 'read' | 'write' | 'auth' = 'read',
) {
  const decisions: RateDecision[] = [];
  for (let i = 0; i < n; i++) decisions.push(await limiter.check(subject, kind));
  return decisions;
}

describe('MemoryRateLimiter (GCRA, 100 per 60 s by default)', () => {
  test('when a burst of limit + 50 arrives at one instant, then exactly limit are allowed', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const decisions = await burst(limiter, 150);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
    // The first 100 are the allowed ones, remaining counts down 99..0.
    expect(decisions.slice(0, 100).every((d) => d.allowed)).toBe(true);
    expect(decisions.slice(0, 100).map((d) => d.remaining)).toEqual(
      Array.from({ length: 100 }, (_, i) => 99 - i),
    );
    expect(decisions[0]).toEqual({
      allowed: true,
      limit: 100,
      remaining: 99,
      resetSeconds: 1, // one request is worth 0.6 s of window: back to full in 0.6 s, rounded up
      retryAfterSeconds: 0,
      policy: 'read',
      windowSeconds: 60,
    });
    expect(decisions[99]).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 60 });
    expect(decisions[100]).toEqual({
      allowed: false,
      limit: 100,
      remaining: 0,
      resetSeconds: 60,
      retryAfterSeconds: 1, // the next unit is back in 0.6 s
      policy: 'read',
      windowSeconds: 60,
    });
  });

  test('when time passes, then the budget refills at limit / window', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    await burst(limiter, 100);
    expect((await limiter.check('user:a', 'read')).allowed).toBe(false);

    clock.advance(599); // one interval is 600 ms
    expect((await limiter.check('user:a', 'read')).allowed).toBe(false);
    clock.advance(1);
    expect(await limiter.check('user:a', 'read')).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.check('user:a', 'read')).allowed).toBe(false);

    clock.advance(30_000); // half a window: half the budget
    const half = await burst(limiter, 80);
    expect(half.filter((d) => d.allowed)).toHaveLength(50);

    clock.advance(60_000); // a whole window: the whole budget, and no more
    const full = await burst(limiter, 150);
    expect(full.filter((d) => d.allowed)).toHaveLength(100);
  });

  test('when requests are refused, then they spend nothing', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, readLimit: 10, windowSeconds: 10 });
    await burst(limiter, 10);
    const refused = await burst(limiter, 1000);
    expect(refused.every((d) => !d.allowed && d.retryAfterSeconds === 1)).toBe(true);
    clock.advance(1000);
    expect((await burst(limiter, 5)).filter((d) => d.allowed)).toHaveLength(1);
  });

  test('when read and write limits differ, then each kind has its own budget and policy', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, readLimit: 5, writeLimit: 2, windowSeconds: 10 });
    const writes = await burst(limiter, 4, 'user:a', 'write');
    const reads = await burst(limiter, 8, 'user:a', 'read');
    expect(writes.filter((d) => d.allowed)).toHaveLength(2);
    expect(reads.filter((d) => d.allowed)).toHaveLength(5);
    expect(writes[0]).toMatchObject({ policy: 'write', limit: 2, remaining: 1, resetSeconds: 5 });
    expect(writes[3]).toMatchObject({ allowed: false, retryAfterSeconds: 5, resetSeconds: 10 });
    expect(reads[0]).toMatchObject({ policy: 'read', limit: 5, remaining: 4, resetSeconds: 2 });
  });

  test('when subjects differ, then their budgets are independent', async () => {
    const limiter = new MemoryRateLimiter({ now: fakeClock().now, readLimit: 3 });
    expect((await burst(limiter, 5, 'user:a')).filter((d) => d.allowed)).toHaveLength(3);
    expect((await burst(limiter, 5, 'user:b')).filter((d) => d.allowed)).toHaveLength(3);
    expect((await burst(limiter, 5, 'ip:127.0.0.1')).filter((d) => d.allowed)).toHaveLength(3);
  });

  test('when the window is not a multiple of the limit, then a burst is still exactly limit', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, readLimit: 7, windowSeconds: 1 });
    expect((await burst(limiter, 20)).filter((d) => d.allowed)).toHaveLength(7);
    clock.advance(1000);
    expect((await burst(limiter, 20)).filter((d) => d.allowed)).toHaveLength(7);
  });

  test('when a flood of new subjects arrives, then memory stays at maxSubjects', async () => {
    const limiter = new MemoryRateLimiter({ now: fakeClock().now, maxSubjects: 100 });
    for (let i = 0; i < 5000; i++) await limiter.check(`ip:10.0.${i >> 8}.${i & 255}`, 'read');
    expect(limiter.size).toBe(100);
  });

  test('when a flood of new subjects arrives, then a subject in debt keeps its debt (no reset by eviction)', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, readLimit: 3, maxSubjects: 3 });
    expect((await burst(limiter, 4, 'sub:greedy')).filter((d) => d.allowed)).toHaveLength(3);
    // The greedy client sends anonymous requests with user_ids of its own to push itself out.
    const flood = await Promise.all(
      Array.from({ length: 50 }, (_, i) => limiter.check(`user:x${i}`, 'read')),
    );
    expect(flood.filter((d) => d.allowed)).toHaveLength(2);
    expect((await limiter.check('sub:greedy', 'read')).allowed).toBe(false);
    expect(limiter.size).toBe(3);
    // Rested subjects are forgotten as time passes, which makes room again.
    clock.advance(60_000);
    expect((await limiter.check('user:new', 'read')).allowed).toBe(true);
    expect((await limiter.check('sub:greedy', 'read')).remaining).toBe(2);
  });

  test('when a request costs several units, then it spends them, and never more than the whole burst', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, writeLimit: 10 });
    expect(await limiter.check('sub:w', 'write', { cost: 8 })).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.check('sub:w', 'write', { cost: 5 })).toMatchObject({
      allowed: false,
      remaining: 0,
    });
    expect(await limiter.check('sub:w', 'write', { cost: 2 })).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(60_000);
    expect(await limiter.check('sub:w', 'write', { cost: 500 })).toMatchObject({
      allowed: true,
      remaining: 0,
    });
  });

  test('when a check is a dry run, then it decides without spending', async () => {
    const limiter = new MemoryRateLimiter({ now: fakeClock().now, authLimit: 2 });
    for (let i = 0; i < 5; i++)
      expect((await limiter.check('ip:a', 'auth', { dryRun: true })).allowed).toBe(true);
    await burst(limiter, 2, 'ip:a', 'auth');
    expect(await limiter.check('ip:a', 'auth', { dryRun: true })).toMatchObject({
      allowed: false,
      policy: 'auth',
    });
  });

  test('when options are not positive integers, then the limiter refuses them', () => {
    expect(() => new MemoryRateLimiter({ readLimit: 0 })).toThrow(RangeError);
    expect(() => new MemoryRateLimiter({ writeLimit: 1.5 })).toThrow(RangeError);
    expect(() => new MemoryRateLimiter({ windowSeconds: 0 })).toThrow(RangeError);
    expect(() => new MemoryRateLimiter({ maxSubjects: 0 })).toThrow(RangeError);
  });
});

describe('MemoryRateLimiter with a gate', () => {
  test('when the gate refuses, then the check spends nothing and answers the gate`s refusal; when it allows, the dry run spends nothing', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, readLimit: 5, authLimit: 1 });
    const gate = { subject: 'ip:a', kind: 'auth' as const, dryRun: true };
    expect(await limiter.check('sub:a', 'read', { gate })).toMatchObject({ allowed: true, remaining: 4 });
    expect(await limiter.check('ip:a', 'auth')).toMatchObject({ allowed: true, remaining: 0 });
    const gated = await limiter.check('sub:a', 'read', { gate });
    expect(gated).toMatchObject({ allowed: false, gated: true, policy: 'auth' });
    expect(await limiter.check('sub:a', 'read')).toMatchObject({ allowed: true, remaining: 3 });
  });
});

describe('gcraStep and subjectKey', () => {
  test('when state is empty, then a step allows and moves TAT one interval past now', () => {
    expect(gcraStep(0, 1000, 10, 30)).toEqual({
      allowed: true,
      tat: 1010,
      remaining: 2,
      resetUs: 10,
      retryUs: 0,
    });
  });

  test('when TAT is a full period ahead, then a step refuses and keeps TAT', () => {
    expect(gcraStep(1030, 1000, 10, 30)).toEqual({
      allowed: false,
      tat: 1030,
      remaining: 0,
      resetUs: 30,
      retryUs: 10,
    });
  });

  test('when a subject is plain, then it is its own key; else a # and its SHA-256', () => {
    expect(subjectKey('user:user123')).toBe('user:user123');
    expect(subjectKey('ip:::ffff:127.0.0.1')).toBe('ip:::ffff:127.0.0.1');
    expect(subjectKey('user:{evil}')).toMatch(/^#[0-9a-f]{64}$/);
    expect(subjectKey('x'.repeat(201))).toMatch(/^#[0-9a-f]{64}$/);
    expect(subjectKey('user:{a}')).not.toBe(subjectKey('user:{b}'));
  });
});
