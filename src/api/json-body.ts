/**
 * Reads a request body: Content-Type against what the operation declares (415), size against
 * the limit (413, before and while reading), UTF-8 and JSON syntax (400), and the values JSON
 * can carry but storage cannot (400). Runs before the contract validation sees the body.
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '../domain/errors.js';
import { doubleKeepsText, numberTokenAt } from '../domain/json-numbers.js';
import { inspectJson, parseJsonExact, stringEnd } from '../domain/json-value.js';

export interface BodyLimits {
  bodyLimitBytes: number;
  /** Deepest nesting allowed in a whole body (the payload limit plus the envelope). */
  maxDepth: number;
  /** Most digits of one number (JSON_MAX_NUMBER_DIGITS). */
  maxNumberDigits: number;
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function charsetIsUtf8(header: string): boolean {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header);
  return !m || (m[1] as string).toLowerCase() === 'utf-8';
}

function tooLarge(limit: number): AppError {
  return new AppError('contentTooLarge', {
    detail: `The request body is over ${limit} bytes.`,
    headers: { Connection: 'close' },
  });
}

/**
 * Reads the body up to limit bytes. Over the limit it stops collecting and discards the rest
 * (resume) instead of destroying the request: the 413 must still be written on this socket.
 */
function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(
        new AppError('malformedRequest', { detail: 'The request body did not arrive whole.', cause: err }),
      );
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export interface JsonScan {
  /** Brackets nest deeper than the limit (the scan stops there). */
  tooDeep: boolean;
  /** The first member name that appears twice in one object, if any. */
  duplicateKey?: string;
  /** Some number would change through a double (2^53 + 1, 1.0, -0): parse keeping number text. */
  inexactNumbers?: boolean;
}

/**
 * One linear pass over JSON text, before JSON.parse: nesting depth (so hostile nesting is
 * refused cheaply), duplicate member names in one object (JSON.parse would silently keep the
 * last one, so a client's intent would be lost), and whether any number needs its text kept (so
 * the plain, faster parse serves the bodies that need nothing else). It trusts JSON.parse to
 * reject bad syntax.
 */
export function scanJson(text: string, maxDepth: number): JsonScan {
  const keys: (Set<string> | null)[] = [];
  let inexactNumbers = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      const end = (i = stringEnd(text, i));
      const top = keys[keys.length - 1];
      if (top) {
        let k = i;
        while (k < text.length && /\s/.test(text[k] as string)) k++;
        if (text[k] === ':') {
          let name: string;
          try {
            name = JSON.parse(text.slice(start, end)) as string;
          } catch {
            return { tooDeep: false };
          }
          if (top.has(name)) return { tooDeep: false, duplicateKey: name };
          top.add(name);
        }
      }
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = numberTokenAt(text, i);
      if (end < 0 && !inexactNumbers) inexactNumbers = !doubleKeepsText(text.slice(i, -end));
      i = Math.abs(end);
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      keys.push(c === 0x7b ? new Set() : null);
      if (keys.length > maxDepth) return { tooDeep: true };
    } else if (c === 0x7d || c === 0x5d) keys.pop();
    i++;
  }
  return { tooDeep: false, inexactNumbers };
}

/** True when brackets nest deeper than limit outside strings; stops at the first excess. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  return scanJson(text, limit).tooDeep;
}

// ignoreBOM keeps a byte-order mark in the text, so JSON.parse refuses it (RFC 8259 forbids it).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses a JSON body, or throws the AppError the client should see. */
export function parseJsonText(raw: Buffer, limits: BodyLimits): unknown {
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    throw new AppError('malformedJson', { detail: 'The request body is not valid UTF-8.' });
  }
  if (text.trim() === '') {
    throw new AppError('validationFailed', {
      detail: 'This operation needs a request body.',
      errors: [{ location: 'body', pointer: '', detail: 'is required' }],
    });
  }
  const scan = scanJson(text, limits.maxDepth);
  if (scan.duplicateKey !== undefined) {
    throw new AppError('malformedJson', {
      detail: `The request body names the member "${scan.duplicateKey}" twice in one object.`,
    });
  }
  if (scan.tooDeep) {
    throw new AppError('unsupportedJsonValue', {
      detail: `The request body nests deeper than ${limits.maxDepth} levels.`,
      errors: [{ location: 'body', pointer: '', detail: `nests deeper than ${limits.maxDepth} levels` }],
    });
  }
  let value: unknown;
  try {
    value = parseJsonExact(text, scan.inexactNumbers);
  } catch (err) {
    throw new AppError('malformedJson', {
      detail: `The request body is not valid JSON: ${(err as Error).message}`,
    });
  }
  const { problem } = inspectJson(value, { maxDepth: limits.maxDepth, maxDigits: limits.maxNumberDigits });
  if (problem) {
    throw new AppError('unsupportedJsonValue', {
      detail: `The value at ${problem.pointer || 'the root'} ${problem.detail}.`,
      errors: [{ location: 'body', pointer: problem.pointer, detail: problem.detail }],
    });
  }
  return value;
}

/**
 * Reads and parses the body of a request whose operation declares `accepted` media types.
 * Returns undefined when the operation takes no body and none was sent.
 */
export async function readJsonBody(
  req: IncomingMessage,
  accepted: readonly string[],
  limits: BodyLimits,
): Promise<unknown> {
  const contentType = req.headers['content-type'];
  const type = mediaType(contentType);
  if (!accepted.includes(type) || !charsetIsUtf8(contentType ?? '')) {
    throw new AppError('unsupportedMediaType', {
      detail: `This operation takes ${accepted.join(' or ')} in UTF-8${type ? `, not ${type}` : ''}.`,
    });
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new AppError('unsupportedMediaType', {
      detail: `Request bodies must not be encoded; got Content-Encoding: ${encoding}.`,
    });
  }
  return parseJsonText(await readRaw(req, limits.bodyLimitBytes), limits);
}
