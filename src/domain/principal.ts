/**
 * Who is calling and what it may do: scopes (data:read, data:write, data:admin) and the owner
 * rule (a caller without data:admin reaches only the records whose user_id is its subject).
 * The authenticators in src/auth make principals; the services apply these rules.
 */
import { AppError } from './errors.js';

export const SCOPES = ['data:read', 'data:write', 'data:admin'] as const;

/** The contract's UserId: what a subject must be, since the owner rule compares it with user_id. */
export const USER_ID = /^[A-Za-z0-9._@:-]{1,128}$/;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  subject: string;
  scopes: ReadonlySet<string>;
  via: 'jwt' | 'api-key' | 'none';
}

/** The caller of AUTH_MODE=none: every scope, no owner checks. */
export const DEVELOPER: Principal = { subject: 'developer', scopes: new Set(SCOPES), via: 'none' };

export function isAdmin(p: Principal): boolean {
  return p.scopes.has('data:admin');
}

/** 403 unless the caller holds the scope (data:admin holds every scope). */
export function requireScope(p: Principal, scope: 'data:read' | 'data:write'): void {
  if (!p.scopes.has(scope) && !isAdmin(p)) {
    throw new AppError('forbidden', { detail: `This operation needs the scope ${scope}.` });
  }
}

/** 403 unless the caller may act for this user (its own subject, or an admin). */
export function requireActingFor(p: Principal, userId: string): void {
  if (!isAdmin(p) && p.subject !== userId) {
    throw new AppError('forbidden', { detail: 'A caller may act only for its own user_id.' });
  }
}

/** The owner a non-admin caller is restricted to (null: any owner). */
export function ownerScope(p: Principal): string | null {
  return isAdmin(p) ? null : p.subject;
}
