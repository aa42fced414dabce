/**
 * Real histories, as teams adopting the toolkit bring them (fixtures/histories: public Drizzle
 * folders, each with its untidiness). On each, on the engine of the test project, our runner and
 * drizzle-orm's own `migrate()` leave identical catalogs and bookkeeping; a re-run applies nothing
 * and the verification passes. Untidiness warns with the fix; a migration that manages its own
 * transactions is refused (named by file and line) until the project declares it.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { uuid_ossp } from "@electric-sql/pglite/contrib/uuid_ossp";
import { vector } from "@electric-sql/pglite-pgvector";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { catalogSnapshot, diffCatalogs } from "../catalog/catalog-snapshot.ts";
import type { Driver } from "../drivers/driver.ts";
import { pgliteDriver } from "../drivers/pglite.ts";
import { openEmptyPglite } from "../drivers/pglite-empty.ts";
import { TEST_PGLITE_CACHE } from "../drivers/testing/empty-pglite-cache.ts";
import { openPostgresDriver } from "../drivers/postgres.ts";
import type { RunnerError } from "../errors/runner-error.ts";
import type { FolderIssue } from "../journal/folder-issue.ts";
import { folderSnapshotWarnings, readMigrationFolder } from "../journal/migration-folder.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { readTemplateState, recycle, type TemplateState } from "../testing/pglite-recycle.ts";
import { runMigrations } from "./run-migrations.ts";

const HISTORIES = fileURLToPath(new URL("../../fixtures/histories", import.meta.url));
const engine = process.env["TEST_DATABASE"] === "postgres" ? "postgres" : "pglite";
const serverUrl = process.env["TEST_DATABASE_URL"] ?? "";

/** What each history is known to have (fixtures/histories/README.md): its warnings, and its migrations that commit on their own. */
const EXPECTED: Record<string, { warnings: FolderIssue["kind"][]; selfManaged: number }> = {
  simstudioai__sim: {
    warnings: ["idx-out-of-order", "snapshot-malformed", "snapshot-missing", "sql-not-in-journal"],
    selfManaged: 24,
  },
  Dokploy__dokploy: { warnings: ["snapshot-malformed", "sql-not-in-journal"], selfManaged: 0 },
  miurla__morphic: { warnings: ["snapshot-missing", "when-not-increasing"], selfManaged: 0 },
  "giselles-ai__giselle": { warnings: ["snapshot-malformed", "snapshot-missing"], selfManaged: 2 },
  "tambo-ai__tambo": { warnings: ["snapshot-malformed", "snapshot-missing"], selfManaged: 0 },
  "thor-coding-cowboys__scorebrawl": { warnings: [], selfManaged: 0 },
  "Mail-0__Zero": { warnings: ["sql-not-in-journal"], selfManaged: 0 },
};

const histories = readdirSync(HISTORIES).filter((name) => statSync(join(HISTORIES, name)).isDirectory());

const EXTENSIONS = { vector, btree_gin, pgcrypto, uuid_ossp };
/** Each extension's name in SQL (`CREATE EXTENSION "uuid-ossp"`). */
const SQL_NAMES: Record<keyof typeof EXTENSIONS, string> = {
  vector: "vector",
  btree_gin: "btree_gin",
  pgcrypto: "pgcrypto",
  uuid_ossp: "uuid-ossp",
};
/**
 * A fresh in-memory PGlite with the extensions a history's SQL names (each loaded extension costs
 * its bundle's unpacking at every start: pgcrypto's about 90 ms).
 */
const emptyPglite = (historyText: string) =>
  openEmptyPglite({
    extensions: Object.fromEntries(
      Object.entries(EXTENSIONS).filter(([key]) => historyText.includes(SQL_NAMES[key as keyof typeof EXTENSIONS])),
    ),
    cacheDir: TEST_PGLITE_CACHE,
  });

/**
 * Empty databases a history was applied to, put back into their empty state (pglite-recycle.ts:
 * only when a fingerprint of catalogs and rows says they are), by the extensions they were
 * started with: the next history with those extensions gets one instead of a new PGlite start.
 */
const emptied = new Map<string, { db: PGlite; state: TemplateState }[]>();
const extensionsKey = (historyText: string) =>
  Object.keys(EXTENSIONS)
    .filter((key) => historyText.includes(SQL_NAMES[key as keyof typeof EXTENSIONS]))
    .join(",");

/** An empty PGlite with the extensions a history's SQL names: an emptied one when one waits. */
async function emptyPgliteFor(historyText: string): Promise<{ db: PGlite; close(): Promise<void> }> {
  const key = extensionsKey(historyText);
  let empty = emptied.get(key)?.pop();
  if (!empty) {
    const db = await emptyPglite(historyText);
    empty = { db, state: await readTemplateState(db) };
  }
  const { db, state } = empty;
  return {
    db,
    async close() {
      if (await recycle(db, state)) emptied.set(key, [...(emptied.get(key) ?? []), { db, state }]);
      else if (!db.closed) await db.close();
    },
  };
}

/** A fresh, empty database of the test project's engine, with the extensions these histories create; `historyText` (its SQL) names the roles to drop with it. */
async function freshDatabase(historyText: string): Promise<{
  driver: Driver;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}> {
  if (engine === "pglite") {
    const { db, close } = await emptyPgliteFor(historyText);
    return {
      driver: pgliteDriver(db, { target: "memory" }),
      // drizzle-orm's PGlite migrator sends each chunk as one prepared statement, which PGlite
      // refuses for a chunk of several statements (most of these histories have some: see the
      // test below). Its node-postgres migrator, over PGlite's own socket server, sends them as
      // one simple query, as on a server.
      async migrate(migrationsFolder) {
        const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" });
        await server.start();
        const client = new pg.Client({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres` });
        await client.connect();
        try {
          await migratePg(drizzlePg(client), { migrationsFolder });
        } finally {
          await client.end();
          await server.stop();
        }
      },
      close,
    };
  }
  const admin = await openPostgresDriver(serverUrl);
  const name = `corpus_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const rolesBefore = new Set((await admin.query<{ r: string }>("SELECT rolname AS r FROM pg_roles")).map((r) => r.r));
  await admin.exec(`CREATE DATABASE ${quoteIdent(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const driver = await openPostgresDriver(url.toString());
  return {
    driver,
    async migrate(migrationsFolder) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await migratePg(drizzlePg(client), { migrationsFolder });
      } finally {
        await client.end();
      }
    },
    async close() {
      try {
        await driver.close().catch(() => undefined);
        await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        // Roles are the cluster's: the ones a history created (tambo's) go with its database. Only
        // those its files name: other test files create roles on the same server meanwhile.
        const named = (role: string) => historyText.includes(role);
        for (const { r } of await admin.query<{ r: string }>("SELECT rolname AS r FROM pg_roles")) {
          if (!rolesBefore.has(r) && named(r)) await admin.exec(`DROP ROLE IF EXISTS ${quoteIdent(r)}`);
        }
      } finally {
        await admin.close();
      }
    },
  };
}

const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.allSettled(open.splice(0).map((db) => db.close()));
  await Promise.allSettled([...emptied.values()].flat().map(({ db }) => db.close()));
});

async function bookkeeping(driver: Driver): Promise<string[]> {
  const rows = await driver.query<{ hash: string; created_at: string }>(
    "SELECT hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id",
  );
  return rows.map((r) => `${r.hash} ${r.created_at}`);
}

describe.each(histories)("the real history %s", (name) => {
  const folderPath = join(HISTORIES, name);
  const expected = EXPECTED[name];

  it("warns about each kind of untidiness it has, and nothing else (its snapshots' as the commands that diff them do)", () => {
    expect(expected, `${name} is not described in EXPECTED`).toBeDefined();
    const folder = readMigrationFolder(folderPath);
    const warnings = [...folder.warnings, ...folderSnapshotWarnings(folder)];
    expect([...new Set(warnings.map((w) => w.kind))].sort()).toEqual(expected!.warnings);
    expect(folder.warnings.map((w) => w.kind)).not.toContain("snapshot-malformed");
  });

  it("applies exactly as drizzle-orm's migrate() does: same catalog, same bookkeeping; a re-run applies nothing", async () => {
    const folder = readMigrationFolder(folderPath);
    const historyText = folder.migrations.map((m) => m.sql).join("\n");
    const ours = await freshDatabase(historyText);
    open.push(ours);
    let selfManagedTransactions: Record<string, string> = {};
    if (expected!.selfManaged > 0) {
      // Refused before anything runs, each migration that commits on its own named by file and line…
      const refusal = (await runMigrations(ours.driver, folder).catch((e: unknown) => e)) as RunnerError;
      expect(refusal.problem.kind).toBe("transaction-control");
      const tags = [...new Set((refusal.problem as { statements: { tag: string }[] }).statements.map((s) => s.tag))];
      expect(tags).toHaveLength(expected!.selfManaged);
      // …and leaving the database as it was: not even the bookkeeping table.
      const [table] = await ours.driver.query<{ found: string | null }>(
        "SELECT to_regclass('drizzle.__drizzle_migrations')::text AS found",
      );
      expect(table?.found).toBeNull();
      // …until the project declares them, as an adopting team would.
      selfManagedTransactions = Object.fromEntries(
        tags.map((tag) => [tag, "commits on its own, as Drizzle's migrator allowed"]),
      );
    }
    const run = await runMigrations(ours.driver, folder, { selfManagedTransactions });
    expect(run.applied).toHaveLength(folder.migrations.length);
    expect(run.verification.ok).toBe(true);
    const again = await runMigrations(ours.driver, folder, { selfManagedTransactions });
    expect(again.applied).toEqual([]);
    expect(again.verification.ok).toBe(true);
    const ourCatalog = await catalogSnapshot(ours.driver);
    const ourBookkeeping = await bookkeeping(ours.driver);
    // Before drizzle's run: a history's roles are the server's, and some create them without a guard.
    await ours.close();
    open.splice(open.indexOf(ours), 1);

    const theirs = await freshDatabase(historyText);
    open.push(theirs);
    await theirs.migrate(folderPath);
    const theirCatalog = await catalogSnapshot(theirs.driver);
    const theirBookkeeping = await bookkeeping(theirs.driver);
    // Closed now, not at the end of the file: on PGlite it is emptied for the next history.
    await theirs.close();
    open.splice(open.indexOf(theirs), 1);
    const none = diffCatalogs(theirCatalog, theirCatalog);
    expect(diffCatalogs(ourCatalog, theirCatalog)).toEqual(none);
    expect(ourBookkeeping).toEqual(theirBookkeeping);
  });
});

// Why the comparison on PGlite goes through the socket: drizzle-orm's own PGlite migrator cannot
// apply a chunk holding several statements, which our runner (simple protocol) applies.
if (engine === "pglite") {
  it("drizzle-orm's PGlite migrator refuses a chunk of several statements that our runner applies", async () => {
    const folderPath = join(HISTORIES, "tambo-ai__tambo");
    const text = readMigrationFolder(folderPath)
      .migrations.map((m) => m.sql)
      .join("\n");
    const theirs = await emptyPglite(text);
    const ours = await emptyPglite(text);
    try {
      await expect(migratePglite(drizzlePglite(theirs), { migrationsFolder: folderPath })).rejects.toThrow(
        /Failed query/,
      );
      const run = await runMigrations(pgliteDriver(ours, { target: "memory" }), readMigrationFolder(folderPath));
      expect(run.verification.ok).toBe(true);
    } finally {
      await theirs.close();
      await ours.close();
    }
  });
}
