import { Command } from "commander";
import { databaseCause, type Driver, isConnectionLost } from "../drivers/driver.ts";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { migrationStatus } from "../runner/migration-status.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import { SeedError } from "../seed/seed-error.ts";
import { type SeedReport, seedConnectionLost } from "../seed/run-seed.ts";
import { textTable } from "../text/text-table.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { userPath } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { withSession } from "./session.ts";
import { errorMessage } from "../errors/error-message.ts";

/**
 * Refuses (exit 3) a database with migrations still to apply, none applied included: its tables
 * are missing or out of date, and a seed would stop part-way with some tiers written.
 */
async function refuseUnmigrated(context: CommandContext, project: Project, driver: Driver): Promise<void> {
  const history = await migrationStatus(driver, readMigrationFolder(userPath(context, project.migrationsFolder)));
  if (history.pendingCount === 0) return;
  const pending = history.migrations.filter((m) => m.state === "pending" || m.state === "out-of-order");
  throw new SeedError({
    code: "migrations-pending",
    message:
      `${driver.target} has ${history.pendingCount} of ${history.expectedCount} migrations still to apply ` +
      `(first: ${pending[0]?.migration.tag ?? "?"}); nothing was seeded.`,
    fix: "Run db:migrate first, then seed again.",
  });
}

function printReport(context: CommandContext, target: string, report: SeedReport): void {
  const lines = [
    `Database: ${target}`,
    `Environment: ${report.environment}${report.production ? ` (${report.productionReasons.join(", ")})` : ""}`,
  ];
  for (const { tier, tables } of report.tiers) {
    lines.push(
      "",
      tier,
      ...textTable(
        ["table", "inserted", "updated", "present"],
        tables.map((t) => [t.table, String(t.inserted), String(t.updated), String(t.present)]),
        { right: [1, 2, 3], indent: "  " },
      ),
    );
  }
  for (const { tier, reason } of report.skipped) lines.push("", `skipped ${tier}: ${reason}`);
  context.out(`${lines.join("\n")}\n`);
}

/** What db:seed says on SIGINT/SIGTERM: it finishes the running tier; a second signal quits at once. */
const SEED_SIGNAL_WORDS = {
  stopping: "stopping after the running tier",
  quitting:
    "quitting at once. Tiers reported finished stay; the running tier's steps that committed stay too " +
    "(each step commits on its own), the one running is rolled back. Every tier is idempotent: run db:seed again.",
};

/** A failure outside any tier's own error (waiting for the lock, connecting) as the seed reports it. */
function asSeedError(error: unknown): SeedError {
  if (error instanceof SeedError) return error;
  const cause = databaseCause(error);
  if (isConnectionLost(cause)) return seedConnectionLost(cause, "during the seed");
  return new SeedError({
    code: "tier-failed",
    message: `Seeding failed: ${errorMessage(error)}`,
    fix: "check that the database is reachable and migrated (db:migrate), then run the command again",
  });
}

/**
 * `db:seed [--tier NAME …]`: seeds the database with the project's tiers for this environment.
 * Exit 0 seeded; 1 a tier failed (tiers finished before it are named: their rows are kept); 2
 * refused (production guard, unknown tier or environment, tier not for this environment); 3
 * migrations pending (nothing written); 4 cannot connect; 5 the embedded database is open in
 * another process; 130/143 interrupted by SIGINT/SIGTERM (after the running tier).
 */
export function seedCommand(project: Project, name = "db:seed") {
  return (context: CommandContext): Command => {
    const seed = project.seed;
    return new Command(name)
      .description(
        `seed the database. Tiers, in order: ${(seed?.tiers ?? []).map((t) => `${t.name} (${t.description})`).join("; ")}`,
      )
      .option(
        "--tier <name>",
        "run only this tier (repeatable)",
        (value: string, all: string[]) => [...all, value],
        [] as string[],
      )
      .option("--json", "print the report (or the error) as JSON")
      .action(async (flags: { tier: string[]; json?: boolean }) => {
        await runAction(context, { json: flags.json, project }, async () => {
          if (!seed) throw new Error(`${name}: the project defines no seed tiers`);
          // Connects first, as every command does: a connection failure exits 4 with the target and
          // the fix; a database with migrations to apply is refused before anything is written.
          await withSession(project, context, (driver) => refuseUnmigrated(context, project, driver));
          const interrupt = new AbortController();
          const release = context.trapSignals?.((signal) => interrupt.abort(signal), SEED_SIGNAL_WORDS);
          try {
            const { target, report } = await seed.run(context.env, {
              only: flags.tier,
              signal: interrupt.signal,
              waiting: (what) => context.err(`${what}\n`),
            });
            if (flags.json) context.out(`${JSON.stringify({ ok: true, database: target, ...report }, null, 2)}\n`);
            else printReport(context, target, report);
            return EXIT.ok;
          } catch (error) {
            if (error instanceof MigratorError && !(error instanceof SeedError)) throw error;
            const seedError = asSeedError(error);
            if (seedError.completed?.length && !flags.json && seedError.code !== "interrupted")
              context.err(`Completed before the failure: ${seedError.completed.join(", ")}.\n`);
            throw seedError;
          } finally {
            release?.();
          }
        });
      });
  };
}
