/**
 * An export as a stream: the chunks of records a walk reads, as NDJSON lines, pulled only as
 * fast as the response takes them (back-pressure), and given up when the response is (the
 * client went away): the walk then starts no further statement.
 */
import { Readable } from 'node:stream';
import type { StoredRecord } from '../domain/records.js';
import { ndjsonBytes } from './record-views.js';
import type { StreamOutcome } from './reply.js';

/**
 * Bytes buffered ahead of the socket before the walk waits: a chunk is read only when less than
 * this is waiting, so an export holds about one chunk of records at a time, whatever its size.
 */
const AHEAD_BYTES = 64 * 1024;

/**
 * The stream of a walk's records, and how it went once it is over. The first chunk is read
 * before this resolves: a failure there (the database away, a timeout) is still an error answer
 * with its status, not a 200 cut short.
 */
export async function ndjsonStream(chunks: AsyncGenerator<StoredRecord[]>): Promise<{
  body: Readable;
  sent: Promise<StreamOutcome>;
}> {
  const first = await chunks.next();
  let settle: (outcome: StreamOutcome) => void = () => undefined;
  const sent = new Promise<StreamOutcome>((resolve) => (settle = resolve));
  let records = 0;
  let complete = false;
  let error: unknown;
  const outcome = (): StreamOutcome =>
    error === undefined ? { records, complete } : { records, complete, error };
  async function* lines(): AsyncGenerator<Buffer> {
    try {
      if (!first.done) {
        records += first.value.length;
        yield ndjsonBytes(first.value);
        for await (const chunk of chunks) {
          records += chunk.length;
          yield ndjsonBytes(chunk);
        }
      }
      complete = true;
    } catch (err) {
      error = err;
      throw err;
    } finally {
      settle(outcome());
    }
  }
  const body = Readable.from(lines(), { objectMode: false, highWaterMark: AHEAD_BYTES });
  // Also when it is destroyed before it was ever read (HEAD, a client gone at once): the walk,
  // suspended after its first chunk, is ended so it starts nothing more.
  body.once('close', () => {
    settle(outcome());
    void chunks.return(undefined);
  });
  return { body, sent };
}
