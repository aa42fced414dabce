/**
 * `pnpm db:seed [--tier NAME ...] [--json]`: seed the database with the tiers for this
 * environment (see docs/seed-data.md). Exit codes: 0 seeded; 1 a tier failed; 2 refused
 * (production guard, unknown tier, tier not for this environment).
 */
import { Command } from "commander";
import { redactUrl, scrubPassword, SeedError, type SeedReport } from "@repo/migrator";
import { closeDatabase, db } from "./client.ts";
import { connectionFromEnv } from "./connection.ts";
import { seedDatabase } from "./seeds/seed-database.ts";
import { SEED_TIERS } from "./seeds/tiers.ts";

const REFUSALS = new Set(["production-refused", "unknown-tier", "tier-not-allowed"]);

function printReport(target: string, report: SeedReport): void {
  console.log(`Database: ${target}`);
  console.log(
    `Environment: ${report.environment}${report.production ? ` (${report.productionReasons.join(", ")})` : ""}`,
  );
  for (const { tier, tables } of report.tiers) {
    console.log(`\n${tier}`);
    console.log(`  ${"table".padEnd(22)}${"inserted".padStart(9)}${"updated".padStart(9)}${"present".padStart(9)}`);
    for (const t of tables) {
      console.log(
        `  ${t.table.padEnd(22)}${String(t.inserted).padStart(9)}${String(t.updated).padStart(9)}${String(t.present).padStart(9)}`,
      );
    }
  }
  for (const { tier, reason } of report.skipped) console.log(`\nskipped ${tier}: ${reason}`);
}

const program = new Command("db:seed")
  .description(
    `Seed the database. Tiers, in order: ${SEED_TIERS.map((t) => `${t.name} (${t.description})`).join("; ")}.`,
  )
  .option(
    "--tier <name>",
    "run only this tier (repeatable)",
    (value: string, all: string[]) => [...all, value],
    [] as string[],
  )
  .option("--json", "print the report (or the error) as JSON")
  .action(async (options: { tier: string[]; json?: boolean }) => {
    const connection = connectionFromEnv();
    const target = connection.kind === "postgres" ? redactUrl(connection.url) : connection.dataDir;
    try {
      const report = await seedDatabase(db, { nodeEnv: process.env["NODE_ENV"], only: options.tier });
      if (options.json) console.log(JSON.stringify({ ok: true, database: target, ...report }, null, 2));
      else printReport(target, report);
    } catch (error) {
      const seedError =
        error instanceof SeedError
          ? error
          : new SeedError({
              code: "tier-failed",
              message: `Seeding ${target} failed: ${scrubPassword(error instanceof Error ? error.message : String(error), connection.kind === "postgres" ? connection.url : undefined)}`,
              hint: "Check that the database is reachable and migrated (pnpm db:migrate), then run the command again.",
            });
      if (options.json)
        console.log(JSON.stringify({ ok: false, database: target, error: seedError.toJSON() }, null, 2));
      else {
        if (seedError.completed?.length)
          console.error(`Completed before the failure: ${seedError.completed.join(", ")}.`);
        console.error(`${seedError.message}\n${seedError.hint}`);
      }
      process.exitCode = REFUSALS.has(seedError.code) ? 2 : 1;
    } finally {
      await closeDatabase().catch(() => undefined);
    }
  });

await program.parseAsync();
