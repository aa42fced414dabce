import { join, relative } from "node:path";
import { Command } from "commander";
import { planRevert, type RevertPlan, writeRevert } from "../revert/plan-revert.ts";
import { RevertError } from "../revert/revert-error.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import { userPath } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";

/** A path relative to where the user is when it is below it, else absolute. */
function shown(context: CommandContext, path: string): string {
  const rel = relative(context.cwd, path);
  return rel && !rel.startsWith("..") ? rel : path;
}

function report(context: CommandContext, plan: RevertPlan, written: boolean, schemaFolder?: string): string {
  const file = shown(context, plan.migration.sqlPath);
  const lines = [
    `Reverting ${plan.reverted.tag}${plan.wasLast ? " (the last migration)" : ` (later migrations checked, none touches what it changed: ${plan.checkedLater.join(", ")})`}.`,
    written
      ? plan.migration.layout === "folders"
        ? `Wrote ${file} and ${shown(context, plan.migration.snapshotPath)} (migration ${plan.migration.entry.tag}).`
        : `Wrote ${file}, ${shown(context, plan.migration.snapshotPath)} and journal entry ${plan.migration.entry.idx} (${plan.migration.entry.tag}).`
      : `Dry run: would write ${file} (nothing written). Its SQL:\n\n${plan.migration.sql.trimEnd()}\n`,
  ];
  if (plan.outsideTransaction) {
    const why =
      plan.outsideTransactionReason === "indexes-only"
        ? "the revert only builds and drops indexes, so it does that CONCURRENTLY"
        : `${plan.reverted.tag} built or dropped an index CONCURRENTLY, so the revert does the reverse CONCURRENTLY`;
    lines.push(
      "",
      `OUTSIDE A TRANSACTION: ${why} ("-- migrator:no-transaction", every statement re-runnable): queries on the table go on meanwhile.`,
    );
  }
  if (plan.dataLoss.length) {
    lines.push(
      "",
      `DATA LOSS: ${plan.dataLoss.length} statement(s), each marked "-- db:revert data-loss:" in the file:`,
    );
    for (const d of plan.dataLoss) lines.push(`  ${file}:${d.line}  ${d.message}`);
    lines.push(
      '  Back up first, or copy the data out (docs/rollback-strategy.md, "Handling data"). db:review fails on each of these',
      '  it reports until you, after the backup, write "-- review-ignore <rule>: <why>" above it (db:revert wrote one',
      "  above each drop that loses no data).",
    );
  }
  if (plan.accessChanges.length) {
    lines.push(
      "",
      `ACCESS CHANGES: ${plan.accessChanges.length} statement(s) change who can read or write rows, each marked "-- db:revert access-change:" in the file:`,
    );
    for (const a of plan.accessChanges) lines.push(`  ${file}:${a.line}  ${a.message}`);
    lines.push(
      "  db:revert acknowledged none of them. Before deploying, apply the revert to a database (a copy of production,",
      "  or a fresh one migrated up to it) and run db:rls there: it must pass. db:review reports a DROP POLICY",
      '  (drop-statement) until you write "-- review-ignore drop-statement: <why>" above it, and on a tenant table',
      "  row-level security turned off (rls-not-enabled) or a policy that does not keep a tenant to its rows",
      "  (rls-policies-incomplete); nothing else of these.",
    );
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
      ? change.locations.map((l) => (schemaFolder ? shown(context, join(schemaFolder, l)) : l)).join(", ")
      : "not in the TypeScript schema";
    const details = change.details.length ? `: ${change.details.join(", ")}` : " (all of it)";
    lines.push(`       ${change.object}${details}  [${where}]`);
  }
  lines.push(
    "  2. db:generate   must then find no schema changes (no drift between the schema and the new snapshot).",
    "  3. db:migrate    applies the revert; review the file and commit it with the schema change.",
  );
  return lines.join("\n");
}

function refusal(error: RevertError): string {
  const lines = [`error: ${error.message}`];
  if (error.conflicts.length) {
    lines.push("Conflicting objects:");
    for (const c of error.conflicts) lines.push(`  ${c.object}: ${c.migration} ${c.touches}`);
  }
  for (const a of error.ambiguities) lines.push(`  ${a}`);
  lines.push(`fix: ${error.fix}`);
  return lines.join("\n");
}

/**
 * `db:revert [TAG]`: writes a new migration at the end of the history that returns the schema to
 * its state before TAG (default: the last migration), in the folder's layout (Drizzle Kit 0.x's or
 * 1.0's). Exit 0 written (or planned with --dry-run), 1 refused, 2 a bad folder, tag or name, or
 * no Drizzle Kit installed that can diff the folder's snapshots.
 */
export function revertCommand(project: Project, name = "db:revert") {
  return (context: CommandContext): Command =>
    new Command(name)
      .description(
        "write a new migration that returns the schema to its state before TAG (default: the last migration)",
      )
      .argument("[tag]", "the migration to revert: its tag, its number prefix or its idx")
      .option(
        "--name <name>",
        "name of the new migration (NNNN_<name>, or <time>_<name> in Drizzle Kit 1.0's layout); default revert_<tag>",
      )
      .option(
        "--migrations <dir>",
        "the migrations folder (relative to where you run the command)",
        project.migrationsFolder,
      )
      .option("--dry-run", "show what would be written, write nothing")
      .option("--json", "print the plan (or the refusal) as JSON")
      .action(
        async (
          tag: string | undefined,
          flags: { name?: string; migrations: string; dryRun?: boolean; json?: boolean },
        ) => {
          await runAction(context, { json: flags.json, project }, async () => {
            try {
              const plan = await planRevert({
                folder: userPath(context, flags.migrations),
                tag,
                name: flags.name,
                schemaFolder: project.schemaFolder,
              });
              if (!flags.dryRun) writeRevert(plan);
              if (flags.json) {
                const { layout, entry, sqlPath, snapshotPath, sql } = plan.migration;
                const {
                  reverted,
                  wasLast,
                  outsideTransaction,
                  outsideTransactionReason,
                  dataLoss,
                  accessChanges,
                  todos,
                  notes,
                  checkedLater,
                  schemaChanges,
                } = plan;
                const migration = { layout, entry, sqlPath, snapshotPath, sql };
                const result = {
                  ok: true,
                  written: !flags.dryRun,
                  reverted,
                  wasLast,
                  migration,
                  outsideTransaction,
                  ...(outsideTransactionReason ? { outsideTransactionReason } : {}),
                  dataLoss,
                  accessChanges,
                  todos,
                  notes,
                  checkedLater,
                  schemaChanges,
                };
                context.out(`${JSON.stringify(result, null, 2)}\n`);
              } else context.out(`${report(context, plan, !flags.dryRun, project.schemaFolder)}\n`);
              return EXIT.ok;
            } catch (error) {
              // A refusal names conflicting objects and ambiguities beyond message and fix.
              if (!(error instanceof RevertError) || flags.json) throw error;
              context.err(`${refusal(error)}\n`);
              return exitCodeFor(error);
            }
          });
        },
      );
}
