/** Structured JSON logs (pino). Secrets and request data never reach a log line: see the redact paths and the err serializer. */
import { pino, type DestinationStream, type Logger } from 'pino';
import { serializeError } from './log-errors.js';

export type { Logger };

/**
 * JSON lines to stdout, or to `destination` (tests read the lines back). Stdout is written
 * asynchronously (SonicBoom, sync: false): a request no longer waits on a write system call per
 * line, and lines logged while a write is under way go out together in the next. What is still
 * buffered is written before the process exits: flushLogs on a graceful shutdown, and pino's own
 * synchronous flush on any other process.exit. The lines waiting for stdout are bounded
 * (LOG_BUFFER_MAX_BYTES): when stdout is not read (a stalled log collector), lines past the bound
 * are dropped instead of memory growing until the pod is killed.
 */
/** At most this many bytes of log lines wait for stdout; past it new lines are dropped. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'data-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Driver errors carry bind values and failing rows: log-errors.ts keeps them out.
    serializers: { err: serializeError },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', '*.password'],
      censor: '[redacted]',
    },
  };
  return pino(
    options,
    destination ?? pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_MAX_BYTES }),
  );
}

/** Resolves once every line logged so far has been written; never rejects. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve(); // a destination already closed has nothing left to write
    }
  });
}
