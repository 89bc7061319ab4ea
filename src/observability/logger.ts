/** Structured JSON logs (pino). Secrets never reach a log line: see the redact paths. */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON lines to stdout, or to `destination` (tests read the lines back). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'data-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', '*.password'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
