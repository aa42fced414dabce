/**
 * `db:upgrade-layout --check-database` when the server ends the session during its check of the
 * converted folder: the folder goes back as it was, and the command exits 4 (the connection was
 * lost), naming the database, instead of leaving a converted folder nobody checked.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { type Driver, upgradeLayoutCommand } from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { MIGRATIONS_FOLDER } from "@repo/db/testing";
import { testResources } from "@repo/db/testing/test-resources";
import { folderManifest } from "../../migrator/src/upgrade/folder-backup.ts";
import { projectWith } from "./upgraded-history.ts";

const resources = testResources();

it("puts the folder back and exits 4 when the server ends the session during the check of the converted folder", async () => {
  const t = await resources.database();
  const p = projectWith(MIGRATIONS_FOLDER);
  resources.later(p.remove);
  const journal = join(p.migrations, "meta", "_journal.json");
  // The session of the test database; once drizzle-kit up has removed the 0.x journal, the server ends it.
  const driver: Driver = {
    dialect: t.driver.dialect,
    target: t.driver.target,
    query: async (sql, params) => {
      if (!existsSync(journal)) await t.driver.query("SELECT pg_terminate_backend(pg_backend_pid())");
      return t.driver.query(sql, params);
    },
    exec: (sql) => t.driver.exec(sql),
    close: async () => undefined,
  };
  const before = folderManifest(p.migrations);
  const run = await runCaptured(
    upgradeLayoutCommand({ migrationsFolder: p.migrations, openDriver: async () => driver }),
    ["--check-database"],
    { env: {}, cwd: p.root },
  );
  expect(run.stderr).toContain(`the checks could not finish (the connection to ${t.driver.target} was lost)`);
  expect(run.stderr).toContain("the folder is back exactly as it was");
  expect(run.stderr).toContain("fix: run db:upgrade-layout again once the database is reachable");
  expect(run.code).toBe(4);
  expect(folderManifest(p.migrations)).toEqual(before);
});
