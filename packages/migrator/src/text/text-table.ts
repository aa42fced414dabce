/**
 * The one formatter of plain-text tables the commands print: columns padded to their widest cell,
 * numbers right-aligned when asked.
 *
 * @example textTable(["table", "rows"], [["user", "5"]], { right: [1] }) // ["table  rows", "user      5"]
 */
export function textTable(
  header: readonly string[],
  body: readonly (readonly string[])[],
  options: { right?: readonly number[]; rule?: boolean; indent?: string } = {},
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    (options.indent ?? "") +
    cells
      .map((cell, i) => (options.right?.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...(options.rule ? [line(widths.map((w) => "-".repeat(w)))] : []), ...body.map(line)];
}
