/** Query keys an operation does not declare are refused, not ignored. */
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
