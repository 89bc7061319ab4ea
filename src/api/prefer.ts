/**
 * The Prefer request header field (RFC 7240), read as that RFC asks a server to read it:
 *
 * - `Prefer: return=minimal, respond-async; wait=10`: a comma-separated list of preferences
 *   (several Prefer lines are one list), each a token with an optional value after `=` and
 *   parameters after `;`, which this service has no use for;
 * - preference names compare without regard to case, values exactly, whether written as a
 *   token or as a quoted-string (section 2): `return=minimal` and `return="minimal"` ask the
 *   same, `return=Minimal` asks for nothing this service knows;
 * - a preference given more than once counts the first time only (section 2), which also settles
 *   `return=minimal, return=representation`;
 * - an empty value is no value (section 2), and a preference not understood, or not well formed,
 *   is ignored: a preference never makes a request fail.
 */

/** The first value of each preference, by lower-case name; `''` for a preference without a value. */
export function preferences(header: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  if (!header) return found;
  for (const item of splitOutsideQuotes(header, ',')) {
    const [head] = splitOutsideQuotes(item, ';');
    const eq = head?.indexOf('=') ?? -1;
    const name = (eq < 0 ? head : head?.slice(0, eq))?.trim().toLowerCase() ?? '';
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || found.has(name)) continue;
    const raw = eq < 0 ? '' : (head?.slice(eq + 1).trim() ?? '');
    const value = unquote(raw);
    if (value !== undefined) found.set(name, value);
  }
  return found;
}

/** What `return` asks for, when it asks for something this service does. */
export function returnPreference(header: string | undefined): 'minimal' | 'representation' | undefined {
  const value = preferences(header).get('return');
  return value === 'minimal' || value === 'representation' ? value : undefined;
}

/** A token as it is, a quoted-string without its quotes and escapes; undefined when neither. */
function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return /^[!#$%&'*+.^_`|~0-9A-Za-z-]*$/.test(raw) ? raw : undefined;
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(raw);
  return m ? (m[1] as string).replace(/\\(.)/g, '$1') : undefined;
}

/** Splits at `sep` where it is not inside a quoted-string. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
