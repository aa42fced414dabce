/**
 * The tag of a migration appended to a folder, numbered the way the folder already is: Drizzle Kit's
 * `prefix` setting gives `0007_name` (index, the default), `20240131120000_name` (timestamp or
 * supabase, UTC) or `1706702400_name` (unix seconds).
 */
import type { Journal } from "./journal-file.ts";

/**
 * The next tag and journal idx for a migration called `name`; with the default prefix, numbered
 * after both the last idx and every tag's number.
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
  // A journal whose idx lags its tags' numbers (an entry removed by hand): a number after both, so
  // the new tag and its `meta/NNNN_snapshot.json` are no existing migration's.
  const numbers = journal.entries.map((e) => Number(e.tag.split("_")[0])).filter(Number.isInteger);
  return { idx, tag: `${String(Math.max(idx, ...numbers.map((n) => n + 1))).padStart(4, "0")}_${name}` };
}
