/**
 * The seed orchestrator: decides which tiers may run in this environment, refuses demo data in
 * production, runs the tiers in order and returns what each did, table by table.
 */
import { databaseCause, databaseErrorFields, isConnectionLost } from "../drivers/driver.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import { DATABASE_ENVIRONMENT_SETTING } from "./database-environment.ts";
import { SeedError, type SeedErrorData } from "./seed-error.ts";
import { ALL_ENVIRONMENTS, ENVIRONMENT_ALIASES, type SeedTier, seedEnvironmentNamed } from "./seed-tier.ts";
import type { SeedTableCount } from "./table-count.ts";
import { interruptingSignal } from "../runtime/interrupting-signal.ts";

/** The environment a run resolved to, and why it counts as production (if it does). */
export interface ResolvedSeedEnvironment {
  environment: string;
  production: boolean;
  /** Each reason the run is production, e.g. `NODE_ENV=production`. Empty when it is not. */
  productionReasons: string[];
}

/**
 * Production wins: `NODE_ENV=production` or a database marked `production` both make the run a
 * production run. Otherwise the database marker, then `NODE_ENV`, then `development`. Names are
 * read whatever their case, aliases included (`Production`, `prod`); a name that is no environment
 * is refused (`unknown-environment`) rather than taken for a non-production one, where the
 * reference tier would be skipped without a word.
 */
export function resolveSeedEnvironment(input: {
  nodeEnv: string | undefined;
  databaseEnvironment: string | null;
}): ResolvedSeedEnvironment {
  const nodeEnvName = input.nodeEnv?.trim() || undefined;
  const nodeEnv = nodeEnvName === undefined ? undefined : seedEnvironmentNamed(nodeEnvName);
  const marker = input.databaseEnvironment === null ? undefined : seedEnvironmentNamed(input.databaseEnvironment);
  const reasons: string[] = [];
  if (nodeEnv === "production") reasons.push("NODE_ENV=production");
  if (marker === "production") reasons.push(`the database is marked production (${DATABASE_ENVIRONMENT_SETTING})`);
  if (reasons.length > 0) return { environment: "production", production: true, productionReasons: reasons };
  if (nodeEnvName !== undefined && nodeEnv === undefined) throw unknownEnvironment("NODE_ENV", nodeEnvName);
  if (input.databaseEnvironment !== null && marker === undefined) {
    throw unknownEnvironment(`the database marker ${DATABASE_ENVIRONMENT_SETTING}`, input.databaseEnvironment);
  }
  return { environment: marker ?? nodeEnv ?? "development", production: false, productionReasons: [] };
}

function unknownEnvironment(source: string, value: string): SeedError {
  const aliases = Object.entries(ENVIRONMENT_ALIASES).map(([alias, environment]) => `${alias} for ${environment}`);
  return new SeedError({
    code: "unknown-environment",
    message: `${source} is ${JSON.stringify(value)}, which is no environment the seed knows; nothing was seeded.`,
    fix:
      `Set ${source.startsWith("NODE_ENV") ? "NODE_ENV" : `it (ALTER DATABASE <name> SET ${DATABASE_ENVIRONMENT_SETTING} = '…')`} ` +
      `to one of ${ALL_ENVIRONMENTS.join(", ")} (any case; ${aliases.join(", ")}).`,
  });
}

/** The tiers a run will execute, and the ones it leaves out with the reason. */
export interface SeedPlan<Context> {
  run: SeedTier<Context>[];
  skipped: { tier: string; reason: string }[];
}

/**
 * Picks the tiers to run, in registry order. Without `only`, every tier allowed in the
 * environment (the others are skipped, with the reason). With `only`, exactly those tiers, and a
 * `SeedError` if one is unknown or not allowed here: in production that is `production-refused`,
 * and there is deliberately no way to force it.
 */
export function planSeed<Context>(
  tiers: readonly SeedTier<Context>[],
  environment: ResolvedSeedEnvironment,
  only?: readonly string[],
): SeedPlan<Context> {
  const names = tiers.map((tier) => tier.name);
  for (const name of only ?? []) {
    if (!names.includes(name)) {
      throw new SeedError({
        code: "unknown-tier",
        tier: name,
        message: `There is no seed tier named "${name}".`,
        fix: `Use one of: ${names.join(", ")}.`,
      });
    }
  }
  const plan: SeedPlan<Context> = { run: [], skipped: [] };
  for (const tier of tiers) {
    const allowed = (tier.environments as readonly string[]).includes(environment.environment);
    if (only && !only.includes(tier.name)) continue;
    if (allowed) {
      plan.run.push(tier);
      continue;
    }
    if (only) throw refusal(tier, environment, tiers);
    plan.skipped.push({
      tier: tier.name,
      reason: `not for ${environment.environment} (runs in ${tier.environments.join(", ")})`,
    });
  }
  return plan;
}

function refusal<Context>(
  tier: SeedTier<Context>,
  environment: ResolvedSeedEnvironment,
  tiers: readonly SeedTier<Context>[],
): SeedError {
  if (environment.production) {
    const productionTiers = tiers.filter((t) => t.environments.includes("production")).map((t) => t.name);
    return new SeedError({
      code: "production-refused",
      tier: tier.name,
      message:
        `Refusing to seed tier "${tier.name}" (${tier.description}) in production: ` +
        `${environment.productionReasons.join(" and ")}. Only ${productionTiers.join(", ")} may run in production.`,
      fix:
        "Run the seed without --tier to load reference data only, or point the connection URL at a development database. " +
        "If this database is not production, unset NODE_ENV and remove the marker where it was set: " +
        `ALTER DATABASE <name> RESET ${DATABASE_ENVIRONMENT_SETTING} (or ALTER ROLE … RESET, or the server's configuration); ` +
        "there is no --force for production.",
    });
  }
  return new SeedError({
    code: "tier-not-allowed",
    tier: tier.name,
    message: `Tier "${tier.name}" does not run in ${environment.environment}; it runs in ${tier.environments.join(", ")}.`,
    fix: `Set NODE_ENV to one of ${tier.environments.join(", ")}, or seed a database meant for it.`,
  });
}

/** What one tier did. */
export interface SeedTierResult {
  tier: string;
  tables: SeedTableCount[];
}

/** What a whole run did: the environment, the tiers run (in order) and the tiers skipped. */
export interface SeedReport extends ResolvedSeedEnvironment {
  tiers: SeedTierResult[];
  skipped: { tier: string; reason: string }[];
}

export interface RunSeedOptions<Context> {
  tiers: readonly SeedTier<Context>[];
  context: Context;
  /** Usually `process.env.NODE_ENV`. */
  nodeEnv: string | undefined;
  /** Reads the database's marker; see `readDatabaseEnvironment`. */
  readDatabaseEnvironment(): Promise<string | null>;
  /** Run only these tiers (`--tier`). */
  only?: readonly string[];
  /** Aborted (with the signal's name as its reason) to stop after the running tier. */
  signal?: AbortSignal;
}

/**
 * Runs the tiers allowed here, one after the other; stops at the first failure with a `SeedError`
 * naming the tier (tiers are idempotent, so running the command again resumes).
 *
 * @example
 * const report = await runSeed({ tiers, context: { db }, nodeEnv: process.env.NODE_ENV,
 *   readDatabaseEnvironment: () => readDatabaseEnvironment(query) });
 */
export async function runSeed<Context>(options: RunSeedOptions<Context>): Promise<SeedReport> {
  const environment = resolveSeedEnvironment({
    nodeEnv: options.nodeEnv,
    databaseEnvironment: await options.readDatabaseEnvironment(),
  });
  const plan = planSeed(options.tiers, environment, options.only);
  const report: SeedReport = { ...environment, tiers: [], skipped: plan.skipped };
  for (const tier of plan.run) {
    if (options.signal?.aborted) throw seedInterrupted(options.signal, `before tier "${tier.name}"`, report);
    try {
      report.tiers.push({ tier: tier.name, tables: await tier.run(options.context) });
    } catch (error) {
      const failure = tierFailure(tier.name, error);
      throw new SeedError({ ...seedErrorData(failure), completed: report.tiers.map((done) => done.tier) });
    }
  }
  return report;
}

/**
 * The run stopped by a signal `where` it was: what finished, and that nothing of the rest ran.
 *
 * @example seedInterrupted(signal, 'before tier "research"', report).message
 * // 'interrupted by SIGINT before tier "research": reference, development finished (their rows are kept); nothing later ran.'
 */
export function seedInterrupted(signal: AbortSignal, where: string, report?: SeedReport): SeedError {
  const name = interruptingSignal(signal);
  const done = report?.tiers.map((t) => t.tier) ?? [];
  return new SeedError({
    code: "interrupted",
    signal: name,
    message: `interrupted by ${name} ${where}: ${done.length > 0 ? `${done.join(", ")} finished (their rows are kept)` : "no tier ran"}; nothing later ran.`,
    fix: "Run db:seed again when you want the rest: every tier is idempotent, finished rows count as present.",
    completed: done,
  });
}

function seedErrorData(error: SeedError): SeedErrorData {
  return {
    code: error.code,
    message: error.message,
    fix: error.fix,
    ...(error.tier === undefined ? {} : { tier: error.tier }),
    ...(error.completed === undefined ? {} : { completed: error.completed }),
    ...(error.signal === undefined ? {} : { signal: error.signal }),
  };
}

/** Longest database message a tier failure quotes: a driver's own text can hold a whole INSERT and its parameters. */
const MAX_MESSAGE = 500;

/** `text` ending in one full stop (or its own ? or !). */
const sentence = (text: string) => (/[.!?]$/.test(text.trimEnd()) ? text.trimEnd() : `${text.trimEnd()}.`);

/**
 * The connection to the server was lost `where` (exit 4): a server's `idle_session_timeout` or
 * `idle_in_transaction_session_timeout`, a restart, the network. What a tier wrote is kept or rolled
 * back as for any failure.
 */
export function seedConnectionLost(error: unknown, where: string, tier?: string): SeedError {
  return new SeedError({
    code: "connection-lost",
    ...(tier === undefined ? {} : { tier }),
    message: `The connection to the database was lost ${where}: ${sentence(databaseErrorFields(error).message)}`,
    fix: "Check the server (a restart, or an idle_session_timeout or idle_in_transaction_session_timeout shorter than a seed's pauses) and run the command again; every tier is idempotent: the next run counts the rows already written as present.",
  });
}

function tierFailure(tier: string, error: unknown): SeedError {
  if (error instanceof SeedError) {
    return error.tier === undefined ? new SeedError({ ...seedErrorData(error), tier }) : error;
  }
  const kept =
    "rows the tier wrote before it failed are kept (every tier is idempotent: the next run counts them as present)";
  // The toolkit's or the project's own error (a tenant context refused, a seed conflict): its words and fix.
  if (error instanceof MigratorError) {
    return new SeedError({
      code: "tier-failed",
      tier,
      message: `Seed tier "${tier}" failed: ${sentence(error.message)}`,
      fix: `${sentence(error.fix)} Then run the command again; ${kept}.`,
    });
  }
  const cause = databaseCause(error);
  if (isConnectionLost(cause)) return seedConnectionLost(cause, `while seed tier "${tier}" ran`, tier);
  const fields = databaseErrorFields(cause);
  const tableName = (cause as { table?: unknown } | null)?.table;
  const table = typeof tableName === "string" && tableName !== "" ? ` on table ${tableName}` : "";
  // Only a five-character SQLSTATE is one; another error's code is not PostgreSQL's.
  const code = fields.code && /^[0-9A-Z]{5}$/.test(fields.code) ? ` (SQLSTATE ${fields.code})` : "";
  const detail = fields.detail ? ` ${fields.detail}` : "";
  const message =
    fields.message.length > MAX_MESSAGE
      ? `${fields.message.slice(0, MAX_MESSAGE)}… (${fields.message.length - MAX_MESSAGE} more characters)`
      : fields.message;
  return new SeedError({
    code: "tier-failed",
    tier,
    message: `Seed tier "${tier}" failed${table}${code}: ${sentence(message)}${detail}`,
    fix: `Fix the cause above (is the database migrated? run db:migrate) and run the command again; ${kept}.`,
  });
}
