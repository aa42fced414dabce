/**
 * What the PGlite driver tests share: temporary folders removed after each test, and the tables a
 * database shows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterEach } from "vitest";

/**
 * Registers the calling test file's clean-up (call it at the file's top level) and returns a
 * maker of temporary folders named `<prefix>-…`, each removed after the test that made it.
 */
export function temporaryFolders(prefix: string): () => string {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  return () => {
    const folder = mkdtempSync(join(tmpdir(), `${prefix}-`));
    folders.push(folder);
    return folder;
  };
}

/** The tables of the database's `public` schema, by name. */
export async function publicTables(db: PGlite): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}
