/**
 * The order of a record's states, which every cache level keeps: a state is put only over a
 * lower rank (docs/caching.md, "Writes ordered by version"). A record's version n ranks 2n; its
 * deletion, which the delete statement reports with the version it removed, ranks 2n + 1: after
 * version n, and above any late copy of it. Nothing follows a deletion (ids are never reused).
 */
import type { RecordChange, RecordEntry } from '../domain/record-cache.js';

/** The rank of version 1, a record just created: nothing precedes it. */
export const FIRST_RANK = 2;

export function rankOf(entry: RecordEntry): number {
  return entry.version * 2;
}

export function deletedRank(version: number): number {
  return version * 2 + 1;
}

export function isDeleted(rank: number): boolean {
  return rank % 2 === 1;
}

/** The rank of a write's new state. */
export function changeRank(change: RecordChange): number {
  return 'entry' in change ? rankOf(change.entry) : deletedRank(change.deletedVersion);
}
