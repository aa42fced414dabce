import { Command } from "commander";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import type { MigrationState } from "../runner/history-state.ts";
import { migrationStatus } from "../runner/migration-status.ts";
import { addCommonOptions, type CommandDefaults, type CommonFlags, runAction, withSession } from "./command-setup.ts";
import { EXIT } from "./exit-codes.ts";

/**
 * `status`: read-only; every migration with its state (applied, pending, out-of-order, modified)
 * and every unknown row. Exits 0 unless a migration is modified or unknown (3).
 */
export function statusCommand(defaults: CommandDefaults, name = "db:status"): Command {
  const command = new Command(name).description("read-only: each migration's state in the database");
  addCommonOptions(command, defaults);
  return command.action(async (flags: CommonFlags) => {
    await runAction(flags.json, async () => {
      const folder = readMigrationFolder(flags.migrations);
      return withSession(defaults, async (driver) => {
        const history = await migrationStatus(driver, folder);
        const migrations = history.migrations.map(statusRow);
        const unknown = history.unknown.map((u) => ({
          state: "unknown" as const,
          id: u.id,
          hash: u.hash,
          when: u.createdAt,
        }));
        const clean = unknown.length === 0 && migrations.every((m) => m.state !== "modified");
        if (flags.json) {
          const { appliedCount: applied, expectedCount: expected, pendingCount: pending } = history;
          console.log(
            JSON.stringify({ target: driver.target, applied, expected, pending, migrations, unknown }, null, 2),
          );
        } else {
          console.log(`Database: ${driver.target}`);
          console.log(
            `Migration state: ${history.appliedCount} applied, ${history.expectedCount} expected, ${history.pendingCount} pending`,
          );
          for (const m of migrations)
            console.log(`${m.state.padEnd(12)} ${m.tag}  when ${m.when}${m.note ? `  (${m.note})` : ""}`);
          for (const u of unknown)
            console.log(`${"unknown".padEnd(12)} row ${u.id}  hash ${u.hash.slice(0, 12)}…  when ${u.when ?? "null"}`);
        }
        return clean ? EXIT.ok : EXIT.mismatch;
      });
    });
  });
}

function statusRow(m: MigrationState): { state: MigrationState["state"]; tag: string; when: number; note?: string } {
  const base = { state: m.state, tag: m.migration.tag, when: m.migration.when };
  if (m.state === "modified")
    return { ...base, note: `applied as ${m.row.hash.slice(0, 12)}…, file is ${m.migration.hash.slice(0, 12)}…` };
  if (m.state === "out-of-order")
    return { ...base, note: `older than the newest applied (${m.newestAppliedWhen}); needs --allow-out-of-order` };
  return base;
}
