/**
 * Finds the migration a user names on the command line: its tag, its file name or path, its tag
 * prefix (`0008`, or a timestamp) or its journal idx. Shared by every command that takes a TAG.
 */
import { basename } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { cappedList } from "../text/capped-list.ts";
import type { Migration, MigrationFolder } from "./migration-folder.ts";

/**
 * The one migration `wanted` names; a `MigratorError` (`unknown-migration`) when it names none or
 * several, listing the tags.
 *
 * @example findMigration(folder, "0008").tag // "0008_add-correlation-id-and-embedding-count"
 */
export function findMigration(folder: MigrationFolder, wanted: string): Migration {
  const name = basename(wanted).replace(/\.sql$/, "");
  const exact = folder.migrations.filter((m) => m.tag === name);
  const matches = exact.length
    ? exact
    : folder.migrations.filter((m) => m.tag.split("_")[0] === name || String(m.idx) === name);
  const [only] = matches;
  if (only && matches.length === 1) return only;
  const tags = folder.migrations.map((m) => m.tag);
  throw new MigratorError(
    "unknown-migration",
    `"${wanted}" matches ${matches.length === 0 ? "no migration" : `several migrations (${matches.map((m) => m.tag).join(", ")})`} in the journal ${folder.journalPath}`,
    `name a migration by its tag, its number prefix or its idx; the journal has ${tags.length}: ${cappedList(tags, { keep: "last" })}`,
  );
}
