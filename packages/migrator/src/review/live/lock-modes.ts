/**
 * PostgreSQL's table lock modes, weakest first, as `pg_locks.mode` names them and as its
 * documentation does ("Explicit Locking"), with what each blocks.
 */

/** `pg_locks.mode` values in order of strength. */
const MODES = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
] as const;

/** A table lock mode as `pg_locks.mode` names it. */
export type LockMode = (typeof MODES)[number];

/** Whether a `pg_locks.mode` value is a table lock mode. */
export function isLockMode(mode: string): mode is LockMode {
  return (MODES as readonly string[]).includes(mode);
}

/** How strong a mode is (0 = ACCESS SHARE … 7 = ACCESS EXCLUSIVE). */
export function lockRank(mode: LockMode): number {
  return MODES.indexOf(mode);
}

/**
 * The documentation's name: `ShareRowExclusiveLock` → `SHARE ROW EXCLUSIVE`.
 *
 * @example lockName("AccessExclusiveLock") // "ACCESS EXCLUSIVE"
 */
export function lockName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}

/** SHARE and stronger: the modes that block INSERT, UPDATE and DELETE (ACCESS EXCLUSIVE blocks SELECT too). */
export function blocksWrites(mode: LockMode): boolean {
  return lockRank(mode) >= lockRank("ShareLock");
}
