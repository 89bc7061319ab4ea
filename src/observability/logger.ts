/** Structured JSON logs (pino). Secrets and request data never reach a log line: see the redact paths and the err serializer. */
import { pino, type DestinationStream, type Logger } from 'pino';
import { serializeError } from './log-errors.js';

export type { Logger };

/** JSON lines to stdout, or to `destination` (tests read the lines back). */
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
  return destination ? pino(options, destination) : pino(options);
}
