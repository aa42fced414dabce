/**
 * `db:review --init`: adopt the review on an existing history. Writes the review config (the
 * conventions given by `--tenant-column`/`--role`/`--guards-from`, none by default) and a baseline
 * accepting every current finding, then prints what it wrote and the migrations that manage their
 * own transactions, as a `selfManagedTransactions` entry for the project to paste.
 */
import { relative } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { initReview, type SelfManagedMigration } from "../review/init-review.ts";
import type { ReviewSettings } from "../review/rule.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { userPath } from "./options.ts";

/** The `db:review` options `--init` reads. */
export interface ReviewInitFlags {
  migrations: string;
  config: string;
  baselinePath: string;
  force: boolean;
  tenantColumn?: string;
  role?: string;
  guardsFrom?: string;
}

/** The convention options, which only `--init` takes (afterwards, edit the config). */
export const INIT_ONLY_OPTIONS = ["tenantColumn", "role", "guardsFrom", "force"] as const;

/** Refuses `--tenant-column`, `--role`, `--guards-from`, `--force` without `--init`. */
export function refuseInitOptionsWithoutInit(
  flags: Partial<Record<(typeof INIT_ONLY_OPTIONS)[number], unknown>>,
): void {
  const given = INIT_ONLY_OPTIONS.filter((key) => flags[key] !== undefined && flags[key] !== false);
  if (given.length === 0) return;
  const names = given.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  throw new MigratorError(
    "invalid-option",
    `${names.join(", ")} only go${given.length === 1 ? "es" : ""} with --init`,
    "add --init to write a new config and baseline, or edit the review config",
  );
}

/** Runs `--init` on the whole history (`tags` must be empty) and prints its outcome; returns the exit code. */
export async function reviewInit(
  context: CommandContext,
  flags: ReviewInitFlags,
  tags: readonly string[],
): Promise<number> {
  if (tags.length > 0)
    throw new MigratorError(
      "invalid-option",
      "--init accepts the whole history, not single migrations",
      "run it without TAG arguments",
    );
  const settings: ReviewSettings = {};
  if (flags.tenantColumn !== undefined) settings.tenantColumn = flags.tenantColumn;
  if (flags.role !== undefined) settings.role = flags.role;
  if (flags.guardsFrom !== undefined) settings.guardBaseline = flags.guardsFrom;
  const folder = userPath(context, flags.migrations);
  const configPath = userPath(context, flags.config);
  const baselinePath = userPath(context, flags.baselinePath);
  const shown = (path: string) => relative(context.cwd, path) || path;
  const result = await initReview({
    folder,
    displayFolder: shown(folder),
    settings,
    configPath,
    baselinePath,
    force: flags.force,
  });
  context.err(`Wrote ${shown(configPath)}: ${describeSettings(settings)}\n`);
  context.err(
    `Wrote ${shown(baselinePath)}: it accepts all ${result.accepted.length} current finding(s) of the ${result.migrations} migration(s), so db:review judges only new migrations${countsByRule(result.accepted.map((f) => f.rule))}\n`,
  );
  if (result.selfManaged.length > 0) context.out(selfManagedSnippet(result.selfManaged));
  return EXIT.ok;
}

function describeSettings(settings: ReviewSettings): string {
  const tenancy = settings.tenantColumn
    ? `multi-tenant (tables with "${settings.tenantColumn}" need RLS and policies for "${settings.role ?? ""}")`
    : "not multi-tenant (no tenant column: the RLS rules are off)";
  const guards = settings.guardBaseline
    ? `migrations from ${settings.guardBaseline} on must be re-runnable`
    : "no migration has to be re-runnable (no guard baseline)";
  return `${tenancy}; ${guards}`;
}

function countsByRule(rules: string[]): string {
  const counts = new Map<string, number>();
  for (const rule of rules) counts.set(rule, (counts.get(rule) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return sorted.length === 0 ? "" : ` (${sorted.map(([rule, count]) => `${rule} ${count}`).join(", ")})`;
}

/** What to paste into the project's `Project`: one entry per migration, with the reason to fill in. */
function selfManagedSnippet(migrations: SelfManagedMigration[]): string {
  const entries = migrations.map(
    ({ tag, lines }) =>
      `    ${JSON.stringify(tag)}: "TODO: why it ends the runner's transaction itself (transaction control at line ${lines.join(", ")})",`,
  );
  return [
    `${migrations.length} migration(s) manage their own transactions (BEGIN/COMMIT at the top level). Drizzle's migrator`,
    "applied them; this runner applies each migration in one transaction and refuses these unless the project",
    "declares them. Add this to your Project (project.ts) and replace each TODO with the reason:",
    "",
    "  selfManagedTransactions: {",
    ...entries,
    "  },",
    "",
  ].join("\n");
}
