/**
 * Where a table or enum is defined in a Drizzle TypeScript schema folder, so `db:revert` can tell
 * the user which files to change back. Textual: it finds `pgTable("name"`, `pgEnum("name"` and
 * similar calls whose first argument is the name.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (name !== "node_modules" && !name.startsWith(".")) files.push(...sourceFiles(path));
    } else if (/\.(ts|js|mts|mjs)$/.test(name) && !/\.test\.[mc]?[tj]s$/.test(name)) files.push(path);
  }
  return files.sort();
}

/**
 * `file:line` of each definition of the given tables/enums in the schema folder; names not found
 * are absent from the map. Paths are relative to `relativeTo` (default: the folder).
 *
 * @example findSchemaDefinitions("src/schema", ["document_chunk"]) // Map { "document_chunk" => ["search.ts:31"] }
 */
export function findSchemaDefinitions(folder: string, names: string[], relativeTo = folder): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const files = sourceFiles(folder).map((path) => ({ path, text: readFileSync(path, "utf8") }));
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(String.raw`\b\w*(?:Table|Enum|View|Schema|Sequence)\s*\(\s*["'\`]${escaped}["'\`]`, "g");
    for (const { path, text } of files) {
      for (const m of text.matchAll(pattern)) {
        const line = text.slice(0, m.index).split("\n").length;
        found.set(name, [...(found.get(name) ?? []), `${relative(relativeTo, path)}:${line}`]);
      }
    }
  }
  return found;
}
