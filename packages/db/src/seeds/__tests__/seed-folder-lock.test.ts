/**
 * The embedded database is one process's: db:seed (and everything built on createDatabase) takes
 * the folder's lock, so a second process gets a clear error (exit 5) instead of spinning on, or
 * corrupting, a folder another process is writing. Only the embedded database has the question,
 * so this file runs once, in the unit project, on an embedded folder.
 */
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../client.ts";
import { openPglite } from "../../connection.ts";
import { runCommand, startCommand } from "../../testing/run-command.ts";
import { createTestDataDir } from "../../testing/test-database.ts";
import { testResources } from "../../testing/test-resources.ts";

const resources = testResources();

describe("db:seed on an embedded folder another process has open", () => {
  it("is refused with the holder's pid (exit 5); the folder works once it is closed", async () => {
    const folder = await createTestDataDir();
    resources.later(() => folder.remove());
    const held = await openPglite(folder.dataDir);
    const blocked = await startCommand("seed", [], { PGLITE_DATA_DIR: folder.dataDir }).done;
    expect(blocked.code, blocked.stderr).toBe(5);
    expect(blocked.stderr).toContain(
      `the embedded database ${folder.dataDir} is open in another process (pid ${process.pid})`,
    );
    await held.close();
    const seeded = await runCommand("seed", ["--tier", "reference"], { PGLITE_DATA_DIR: folder.dataDir });
    expect(seeded.code, seeded.stderr).toBe(0);
  });

  it("createDatabase holds the folder until close: another process's command is refused meanwhile (exit 5)", async () => {
    const folder = await createTestDataDir();
    resources.later(() => folder.remove());
    const handle = createDatabase({ kind: "pglite", dataDir: folder.dataDir });
    try {
      await handle.db.execute("select 1");
      const blocked = await startCommand("status", [], { PGLITE_DATA_DIR: folder.dataDir }).done;
      expect(blocked.code, blocked.stderr).toBe(5);
      expect(blocked.stderr).toContain(`is open in another process (pid ${process.pid})`);
    } finally {
      await handle.close();
    }
    const status = await runCommand("status", [], { PGLITE_DATA_DIR: folder.dataDir });
    expect(status.code, status.stderr).toBe(0);
  });
});
