/**
 * `pnpm db:revert [TAG] [--name NAME] [--migrations DIR] [--dry-run] [--json]`: writes a new
 * migration at the end of the history that returns the schema to its state before TAG (default:
 * the last migration). Exit codes: 0 written (or planned with --dry-run), 1 refused or failed.
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { planRevert, type RevertPlan, RevertError, writeRevert } from "@repo/migrator";

const DEFAULT_MIGRATIONS = fileURLToPath(new URL("./migrations", import.meta.url));
const SCHEMA_FOLDER = fileURLToPath(new URL("./schema", import.meta.url));

/** A path relative to the working directory when it is below it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

function report(plan: RevertPlan, written: boolean): string {
  const file = shown(plan.migration.sqlPath);
  const lines = [
    `Reverting ${plan.reverted.tag}${plan.wasLast ? " (the last migration)" : ` (later migrations checked, none touches what it changed: ${plan.checkedLater.join(", ")})`}.`,
    written
      ? `Wrote ${file}, ${shown(plan.migration.snapshotPath)} and journal entry ${plan.migration.entry.idx} (${plan.migration.entry.tag}).`
      : `Dry run: would write ${file} (nothing written). Its SQL:\n\n${plan.migration.sql.trimEnd()}\n`,
  ];
  if (plan.dataLoss.length) {
    lines.push(
      "",
      `DATA LOSS: ${plan.dataLoss.length} statement(s), each marked "-- db:revert data-loss:" in the file:`,
    );
    for (const d of plan.dataLoss) lines.push(`  ${file}:${d.line}  ${d.message}`);
    lines.push('  Back up first, or copy the data out (docs/rollback-strategy.md, "Handling data").');
  }
  if (plan.todos.length) {
    lines.push(
      "",
      `TODO: ${plan.todos.length} hand-written statement(s) of ${plan.reverted.tag} need a reverse written by a person`,
    );
    lines.push(`(blocks starting "-- TODO(db:revert):" in ${file}; db:review fails until they are replaced):`);
    for (const t of plan.todos) lines.push(`  ${t.location}  ${t.message}`);
  }
  if (plan.notes.length) {
    lines.push("", "Hand-written statements that need no reverse:");
    for (const n of plan.notes) lines.push(`  ${n}`);
  }
  lines.push("", "Remaining steps:", "  1. Change the TypeScript schema back:");
  if (plan.schemaChanges.length === 0) lines.push("       nothing: the migration changed nothing the snapshots record");
  for (const change of plan.schemaChanges) {
    const where = change.locations.length
      ? change.locations.map((l) => `src/schema/${l}`).join(", ")
      : "not in the TypeScript schema";
    const details = change.details.length ? `: ${change.details.join(", ")}` : " (all of it)";
    lines.push(`       ${change.object}${details}  [${where}]`);
  }
  lines.push(
    "  2. pnpm db:generate   must then find no schema changes (no drift between the schema and the new snapshot).",
    "  3. pnpm db:migrate    applies the revert; review the file and commit it with the schema change.",
  );
  return lines.join("\n");
}

function refusal(error: RevertError): string {
  const lines = [`db:revert refused: ${error.message}`];
  if (error.conflicts.length) {
    lines.push("Conflicting objects:");
    for (const c of error.conflicts) lines.push(`  ${c.object}: ${c.migration} ${c.touches}`);
  }
  for (const a of error.ambiguities) lines.push(`  ${a}`);
  lines.push(`How to fix: ${error.hint}`);
  return lines.join("\n");
}

const program = new Command()
  .name("db:revert")
  .description("Write a new migration that returns the schema to its state before TAG (default: the last migration).")
  .argument("[tag]", "the migration to revert: its tag, NNNN prefix or idx")
  .option("--name <name>", "name of the new migration (NNNN_<name>); default revert_<tag>")
  .option("--migrations <dir>", "the migrations folder", DEFAULT_MIGRATIONS)
  .option("--dry-run", "show what would be written, write nothing")
  .option("--json", "print the plan (or the refusal) as JSON")
  .action(
    async (
      tag: string | undefined,
      options: { name?: string; migrations: string; dryRun?: boolean; json?: boolean },
    ) => {
      try {
        const plan = await planRevert({
          folder: resolve(options.migrations),
          tag,
          name: options.name,
          schemaFolder: SCHEMA_FOLDER,
        });
        if (!options.dryRun) writeRevert(plan);
        if (options.json) {
          const { entry, sqlPath, snapshotPath, sql } = plan.migration;
          const { reverted, wasLast, dataLoss, todos, notes, checkedLater, schemaChanges } = plan;
          const migration = { entry, sqlPath, snapshotPath, sql };
          const result = {
            ok: true,
            written: !options.dryRun,
            reverted,
            wasLast,
            migration,
            dataLoss,
            todos,
            notes,
            checkedLater,
            schemaChanges,
          };
          console.log(JSON.stringify(result, null, 2));
        } else console.log(report(plan, !options.dryRun));
      } catch (error) {
        process.exitCode = 1;
        if (error instanceof RevertError) {
          if (options.json) {
            console.log(
              JSON.stringify(
                {
                  ok: false,
                  code: error.code,
                  message: error.message,
                  hint: error.hint,
                  conflicts: error.conflicts,
                  ambiguities: error.ambiguities,
                },
                null,
                2,
              ),
            );
          } else console.error(refusal(error));
          return;
        }
        console.error(`db:revert failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  );

await program.parseAsync();
