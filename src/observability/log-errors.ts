/**
 * Errors as log lines keep what helps to fix them (type, code, routine, constraint, the stack)
 * and drop what a driver attaches about the request: PGlite puts the statement's bind values on
 * its errors (`params`: payloads, user ids), PostgreSQL the failing row (`detail`: "Failing row
 * contains (...)"), and messages quote the value that was refused ("invalid input syntax for
 * type uuid: \"...\""). One serializer for every `err` of every log line, so it holds for every
 * backend, PostgreSQL, PGlite and Oracle, and for errors wrapped as the cause of another.
 */
import { pino } from 'pino';

/** Fields drivers fill with request data or statement text (pg, PGlite, node-oracledb). */
const DROPPED = new Set([
  'params',
  'parameters',
  'binds',
  'query',
  'queryOptions',
  'sql',
  'detail',
  'hint',
  'where',
  'internalQuery',
  'internalPosition',
  'position',
]);

// A quoted literal, unless it names a database object ("relation \"records\"").
const QUOTED =
  /(?<!\b(?:relation|constraint|column|table|type|index|schema|function|database|role|sequence|operator|extension|parameter|partition) )("[^"]*"|'[^']*')/gi;

/** The text with every quoted value replaced: what a message says stays, what it quotes goes. */
export function redactQuoted(text: string): string {
  return text.replace(QUOTED, '"[redacted]"');
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > 5) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (DROPPED.has(key)) continue;
    if ((key === 'message' || key === 'stack') && typeof field === 'string') out[key] = redactQuoted(field);
    else if (key === 'cause') out[key] = scrub(field, depth + 1);
    else out[key] = field;
  }
  return out;
}

/** pino's error serializer (with the cause chain), then the scrub above. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return scrub(err, 0);
  return scrub(pino.stdSerializers.errWithCause(err), 0);
}
