/**
 * A list for one line of a message: at most `max` items, and how many were left out. A long
 * history can make hundreds of items (every migration after the first one out of place, every
 * tag of the journal), and a message that long hides its cause and its fix. `keep: "last"` keeps
 * the newest, for lists in history order.
 *
 * @example cappedList(["a", "b", "c"], { max: 2 }) // "a, b, … and 1 more"
 * @example cappedList(["a", "b", "c"], { max: 2, keep: "last" }) // "… 1 before, b, c"
 */
export function cappedList(items: readonly string[], options: { max?: number; keep?: "first" | "last" } = {}): string {
  const max = options.max ?? 10;
  if (items.length <= max) return items.join(", ");
  return options.keep === "last"
    ? `… ${items.length - max} before, ${items.slice(-max).join(", ")}`
    : `${items.slice(0, max).join(", ")}, … and ${items.length - max} more`;
}
