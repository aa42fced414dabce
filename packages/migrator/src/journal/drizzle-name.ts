/**
 * Drizzle Kit 1.0 names a migration by its folder: the UTC time it was generated, to the second,
 * then the name (`20261121234308_tro-101-research-improvements`). drizzle-orm 1.0's migrator stores
 * that name in the bookkeeping table and decides by it alone what is applied. `drizzle-kit up`
 * derives it from a 0.x journal entry, so a 0.x migration has a 1.0 name too.
 */

/** `YYYYMMDDHHMMSS` of a time, in UTC. */
function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, "").slice(0, 14);
}

/**
 * The 1.0 folder name of a 0.x journal entry, as `drizzle-kit up` writes it: the `when` in UTC to
 * the second, then the tag without its prefix.
 *
 * @example drizzleFolderName("0007_tro-101", 1795304588123) // "20261121234308_tro-101"
 */
export function drizzleFolderName(tag: string, when: number): string {
  const [, ...rest] = tag.split("_");
  return `${utcStamp(when)}_${rest.join("_")}`;
}

/**
 * The time a 1.0 folder name starts with, in ms since the epoch (UTC), as drizzle-orm 1.0 reads it
 * (`created_at`); undefined when the name does not start with 14 digits of a real time.
 *
 * @example folderMillis("20261121234308_tro-101") // 1795304588000
 */
export function folderMillis(name: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(name);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return utcStamp(ms) === match[0] ? ms : undefined;
}
