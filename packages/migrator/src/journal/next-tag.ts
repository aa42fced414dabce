/**
 * The tag of a migration appended to a folder, numbered the way the folder already is: Drizzle Kit's
 * `prefix` setting gives `0007_name` (index, the default), `20240131120000_name` (timestamp or
 * supabase, UTC) or `1706702400_name` (unix seconds).
 */
import type { Journal } from "./journal-file.ts";

/**
 * The next tag and journal idx for a migration called `name`.
 *
 * @example nextTag({ entries: [{ idx: 9, tag: "0009_x", … }] }, "undo", 0) // { idx: 10, tag: "0010_undo" }
 */
export function nextTag(journal: Journal, name: string, now: number): { idx: number; tag: string } {
  const last = journal.entries.at(-1);
  const idx = last ? last.idx + 1 : 0;
  const prefix = last?.tag.split("_")[0] ?? "";
  if (/^\d{14}$/.test(prefix)) {
    const stamp = new Date(now).toISOString().replace(/\D/g, "").slice(0, 14);
    return { idx, tag: `${stamp > prefix ? stamp : String(Number(prefix) + 1)}_${name}` };
  }
  if (/^\d{10}$/.test(prefix)) {
    const seconds = Math.floor(now / 1000);
    return { idx, tag: `${Math.max(seconds, Number(prefix) + 1)}_${name}` };
  }
  return { idx, tag: `${String(idx).padStart(4, "0")}_${name}` };
}
