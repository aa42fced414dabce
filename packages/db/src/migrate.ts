/**
 * `pnpm db:migrate` (first version, per the wiki): read the journal's expected count, log the
 * state, apply with Drizzle's migrator, verify the count, exit non-zero on a mismatch.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { redactUrl } from "@repo/migrator";
import { closeDatabase, db } from "./client.ts";
import { connectionFromEnv } from "./connection.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

async function appliedCount(): Promise<number> {
  const rows = await db.execute<{ count: string }>(
    "select count(*)::text as count from drizzle.__drizzle_migrations",
  ).catch(() => null);
  if (!rows) return 0;
  const list = Array.isArray(rows) ? rows : (rows as { rows: { count: string }[] }).rows;
  return Number(list[0]?.count ?? 0);
}

async function main(): Promise<number> {
  const connection = connectionFromEnv();
  console.log(`Database: ${connection.kind === "postgres" ? redactUrl(connection.url) : connection.dataDir}`);
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as { entries: unknown[] };
  const expected = journal.entries.length;
  const before = await appliedCount();
  console.log(`Migration state: ${before} applied, ${expected} expected, ${Math.max(expected - before, 0)} pending`);
  if (connection.kind === "postgres") await migratePg(db as never, { migrationsFolder });
  else await migratePglite(db as never, { migrationsFolder });
  const after = await appliedCount();
  if (after !== expected) {
    console.error(`Migration count mismatch: ${after} applied, ${expected} expected`);
    return 1;
  }
  console.log(`Migrations complete: ${after} applied`);
  return 0;
}

main()
  .then(async (code) => {
    await closeDatabase();
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await closeDatabase().catch(() => undefined);
    process.exitCode = 1;
  });
