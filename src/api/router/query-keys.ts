/** Query keys an operation does not declare are refused, not ignored; integers are digits. */
import type { Operation } from 'openapi-backend';
import { AppError } from '../../domain/errors.js';

/**
 * Query keys the operation does not declare answer 400, including those the query parser drops
 * without a word (`__proto__[x]`, `constructor[prototype][x]`).
 */
export function refuseUnknownQueryKeys(querystring: string, operation: Operation): void {
  if (querystring === '') return;
  const declared = new Set(
    ((operation.parameters ?? []) as { in?: string; name?: string }[])
      .filter((p) => p.in === 'query')
      .map((p) => p.name),
  );
  for (const raw of new URLSearchParams(querystring).keys()) {
    const name = raw.replace(/\[.*$/, '');
    if (!declared.has(name)) {
      throw new AppError('validationFailed', {
        detail: `The query parameter ${name} is not part of this operation.`,
        errors: [{ location: 'query', pointer: name, detail: 'is not allowed' }],
      });
    }
  }
}

/**
 * The contract's integer query parameters take decimal digits only. Ajv's type coercion (which
 * openapi-backend turns on for parameters) reads "0x10", "1e2", "+1" and "1.0" as numbers, and
 * a client that sent one of those meant something the API does not say.
 */
export function refuseLooseIntegers(querystring: string, operation: Operation): void {
  if (querystring === '') return;
  const integers = new Set(
    ((operation.parameters ?? []) as { in?: string; name?: string; schema?: { type?: unknown } }[])
      .filter((p) => p.in === 'query' && p.schema?.type === 'integer')
      .map((p) => p.name),
  );
  if (integers.size === 0) return;
  for (const [name, value] of new URLSearchParams(querystring)) {
    // What coercion would read as an integer although it is not written as one; anything else
    // (ten, -1) is left to the contract's validation and its usual message.
    const coerced = value.trim() !== '' && Number.isInteger(Number(value));
    if (integers.has(name) && coerced && !/^-?[0-9]+$/.test(value)) {
      throw new AppError('validationFailed', {
        detail: `The query parameter ${name} must be written in decimal digits only.`,
        errors: [{ location: 'query', pointer: name, detail: 'must be decimal digits (0-9)' }],
      });
    }
  }
}
