/**
 * The kinds of configuration key: how the text of an environment variable becomes a typed value,
 * and the message that says what is wrong with it. Each builder returns an envalid validator spec
 * (parser, default, description) that also carries what the key table publishes (kind, bounds,
 * choices, secret), so one declaration per key serves the parse, the inferred `Config` type, the
 * docs test and the chart checks (docs/adr/0006-configuration-schema.md).
 */
import { EnvError, makeExactValidator } from 'envalid';

export type KeyKind = 'string' | 'integer' | 'boolean' | 'enum' | 'url';

/** What the key table says about a key besides its default (src/cli/config-keys.ts prints it). */
export interface KeyFacts {
  readonly kind: KeyKind;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  /** Never logged, never given a default; the chart puts it in a Secret. */
  readonly secret?: boolean;
}

/**
 * One declared key: envalid's spec (the `_parse` it runs on the text, the `default` it uses when
 * the variable is unset or empty, without parsing it) and the facts above. The value of the key is
 * what the parser returns or the default, so a key without a default may be undefined.
 */
export type Key<T, Default extends T | undefined = T> = KeyFacts & {
  readonly desc: string;
  readonly default: Default;
  readonly _parse: (raw: string) => T;
};

/** The type of a key's value, inferred from its declaration. */
export type ValueOf<K> = K extends Key<infer T, infer Default> ? T | Default : never;

interface Described {
  doc: string;
  secret?: boolean;
}

function declare<T, Default extends T | undefined>(
  facts: KeyFacts,
  parse: (raw: string) => T,
  fallback: Default,
): Key<T, Default> {
  const { _parse } = makeExactValidator(parse)({ desc: facts.doc });
  return { ...facts, desc: facts.doc, default: fallback, _parse };
}

/** What the key table publishes from a builder's options (the default comes from the spec). */
function factsOf(kind: KeyKind, o: Described & { min?: number; max?: number }): KeyFacts {
  return {
    kind,
    doc: o.doc,
    ...(o.min !== undefined && { min: o.min }),
    ...(o.max !== undefined && { max: o.max }),
    ...(o.secret && { secret: true }),
  };
}

/** A whole number within min..max. */
export function integer(o: Described & { min: number; max: number; default: number }): Key<number>;
export function integer(o: Described & { min: number; max: number }): Key<number, undefined>;
export function integer(o: Described & { min: number; max: number; default?: number }) {
  const { min, max } = o;
  const parse = (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new EnvError(`expected an integer, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new EnvError(`${n} is outside ${min}..${max}`);
    return n;
  };
  return declare(factsOf('integer', o), parse, o.default);
}

/** true/1/yes/on or false/0/no/off, in any case. */
export function flag(o: Described & { default: boolean }): Key<boolean> {
  const parse = (raw: string): boolean => {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    throw new EnvError(`expected true or false, got "${raw}"`);
  };
  return declare(factsOf('boolean', o), parse, o.default);
}

/** Exactly one of the listed values (case-sensitive). */
export function oneOf<const V extends readonly string[]>(
  values: V,
  o: Described & { default: V[number] },
): Key<V[number]> {
  const parse = (raw: string): V[number] => {
    if (!values.includes(raw)) throw new EnvError(`expected one of ${values.join(', ')}, got "${raw}"`);
    return raw;
  };
  return declare({ ...factsOf('enum', o), values }, parse, o.default);
}

/** Any text; its format, if it has one, is a rule of its own (see the *-rules.ts files). */
export function text(o: Described & { default: string }): Key<string>;
export function text(o: Described): Key<string, undefined>;
export function text(o: Described & { default?: string }) {
  return declare(factsOf('string', o), (raw: string) => raw, o.default);
}

/** Anything WHATWG URL parsing accepts; which schemes are allowed is a rule of its own. */
export function url(o: Described): Key<string, undefined> {
  const parse = (raw: string): string => {
    if (!URL.canParse(raw)) throw new EnvError('not a URL');
    return raw;
  };
  return declare(factsOf('url', o), parse, undefined);
}
