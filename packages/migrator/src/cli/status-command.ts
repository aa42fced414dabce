import { Command } from "commander";
import { nullHashFix } from "../errors/null-hash-fix.ts";
import type { MigrationState } from "../runner/history-state.ts";
import { migrationStatus } from "../runner/migration-status.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { addFolderOptions, type FolderFlags } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { readFolder, withSession } from "./session.ts";
import { textTable } from "../text/text-table.ts";

/**
 * `db:status`: read-only; every migration with its state (applied, pending, out-of-order,
 * modified) and every unknown row. Exits 0 unless a migration is modified or unknown (3).
 */
export function statusCommand(project: Project, name = "db:status") {
  return (context: CommandContext): Command => {
    const command = new Command(name).description("read-only: each migration's state in the database");
    addFolderOptions(command, project);
    return command.action(async (flags: FolderFlags) => {
      await runAction(context, { json: flags.json, project }, async () => {
        const folder = readFolder(context, flags.migrations);
        return withSession(project, context, async (driver) => {
          const history = await migrationStatus(driver, folder);
          const migrations = history.migrations.map(statusRow);
          const unknown = history.unknown.map((u) => ({
            state: u.duplicateOf ? ("duplicate" as const) : ("unknown" as const),
            id: u.id,
            hash: u.hash,
            when: u.createdAt,
            ...(u.duplicateOf ? { duplicateOf: u.duplicateOf } : {}),
          }));
          const clean = unknown.length === 0 && migrations.every((m) => m.state !== "modified");
          const { appliedCount: applied, expectedCount: expected, pendingCount: pending } = history;
          if (flags.json) {
            context.out(
              `${JSON.stringify({ target: driver.target, applied, expected, pending, migrations, unknown }, null, 2)}\n`,
            );
          } else {
            const rows = [
              ...migrations.map((m) => [m.state, m.tag, `when ${m.when}`, m.note ? `(${m.note})` : ""]),
              ...unknown.map((u) => [
                u.state,
                `row ${u.id}`,
                `when ${u.when ?? "null"}`,
                u.hash === null
                  ? `(no hash (NULL), so it matches no migration: ${nullHashFix(u.id)})`
                  : u.duplicateOf
                    ? `(hash ${u.hash.slice(0, 12)}…: ${u.duplicateOf} recorded a second time, applied twice)`
                    : `(hash ${u.hash.slice(0, 12)}…)`,
              ]),
            ];
            context.out(
              [
                `Database: ${driver.target}`,
                `Migration state: ${applied} applied, ${expected} expected, ${pending} pending`,
                ...textTable(["state", "migration", "when", ""], rows),
              ].join("\n") + "\n",
            );
          }
          return clean ? EXIT.ok : EXIT.mismatch;
        });
      });
    });
  };
}

function statusRow(m: MigrationState): { state: MigrationState["state"]; tag: string; when: number; note?: string } {
  const base = { state: m.state, tag: m.migration.tag, when: m.migration.when };
  if (m.state === "modified")
    return { ...base, note: `applied as ${m.row.hash.slice(0, 12)}…, file is ${m.migration.hash.slice(0, 12)}…` };
  if (m.state === "out-of-order")
    return {
      ...base,
      note: `older than the newest applied (${m.newestAppliedWhen}); db:rebase the branch, or --allow-out-of-order`,
    };
  return base;
}
