/**
 * The log lines waiting for stdout are bounded (LOG_BUFFER_MAX_BYTES): a process whose stdout
 * nobody reads (a stalled log collector) keeps logging without its memory growing past the
 * bound. The built logger runs in a child process whose stdout pipe this test never reads.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const LOGGER = resolve('dist/src/observability/logger.js');

/** Logs `mib` MiB of lines to an unread stdout; answers the growth of the heap and external memory. */
async function growthWhileStdoutIsUnread(mib: number): Promise<number> {
  const script = `
    const { createLogger, LOG_BUFFER_MAX_BYTES } = await import(${JSON.stringify(LOGGER)});
    const logger = createLogger('info');
    const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.external + m.arrayBuffers; };
    globalThis.gc?.();
    const before = used();
    const line = 'x'.repeat(1000);
    for (let i = 0; i < ${mib} * 1024; i++) {
      logger.info({ i, line }, 'filler');
      if (i % 1024 === 0) await new Promise((r) => setImmediate(r));
    }
    globalThis.gc?.();
    process.stderr.write(JSON.stringify({ growth: used() - before, bound: LOG_BUFFER_MAX_BYTES }) + '\\n');
  `;
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pause(); // never read: the pipe fills and the logger's writes stop completing
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  while (!err.includes('\n')) {
    const [code] = (await Promise.race([once(child.stderr, 'data'), once(child, 'exit')])) as [unknown];
    if (typeof code === 'number' || code === null) break;
  }
  child.kill('SIGKILL'); // its pending writes would wait for the pipe forever
  const report = JSON.parse(err.split('\n')[0] ?? '{}') as { growth: number; bound: number };
  expect(report.bound).toBe(16 * 1024 * 1024);
  return report.growth;
}

test('when stdout is not read, then 64 MiB of log lines leave the logger holding about its 16 MiB bound, not all of them', async () => {
  const growth = await growthWhileStdoutIsUnread(64);
  expect(growth).toBeGreaterThan(8 * 1024 * 1024); // it did buffer: the pipe was full
  expect(growth).toBeLessThan(32 * 1024 * 1024); // and stopped at the bound, not at 64 MiB
}, 60_000);
