/**
 * `--live`: what only a database can tell. Applies the history to a throwaway database, measuring
 * what each statement of the migrations under review does to the tables that existed before it
 * (locks, rewrites, scans: see live/measure-migration.ts), runs every migration from the guard
 * baseline on a second time (inside a rolled-back transaction, or directly for no-transaction
 * migrations), then reads the catalog: every tenant table must have RLS enabled and a policy per
 * command for the configured role. With a reference database, the measured locks are weighed by
 * the size of each table there (read-only).
 */
import type { Driver } from "../drivers/driver.ts";
import { databaseErrorFields, redactUrl } from "../drivers/driver.ts";
import { mustBeRerunnable, type ReviewConfig, ruleLevel } from "./config.ts";
import type { Finding } from "./finding.ts";
import { loadParser, type ParsedMigration, parseMigration } from "../sql/parse-migration.ts";
import type { LiveDatabase } from "./live/live-database.ts";
import { lockFindings, relationKey, type Weights } from "./live/lock-findings.ts";
import { type MigrationEvidence, measureMigration, type RelationName } from "./live/measure-migration.ts";
import { openReadOnly, relationSizes } from "./live/reference-database.ts";
import type { MigrationSource } from "./migration-source.ts";
import { toFinding } from "./review-migrations.ts";
import { ruleById } from "./rules/index.ts";

const COMMANDS = ["SELECT", "INSERT", "UPDATE", "DELETE"] as const;

export interface LiveReviewOptions {
  config: ReviewConfig;
  /** Opens a fresh, empty throwaway database (closed, and so removed, afterwards). */
  open: () => Promise<LiveDatabase>;
  /** The migrations whose statements are measured (tags); default: all. */
  measure?: readonly string[];
  /** A real database to weigh the measured locks by, opened read-only, and from how many rows a table is large. */
  reference?: { url: string; largeTableRows: number };
}

/** What `--live` found. */
export interface LiveReview {
  findings: Finding[];
  /** What each measured statement did. */
  evidence: MigrationEvidence[];
  /** The sizes read from the reference database. */
  weights?: Weights;
  /** Where it ran and what it weighed against, for the report (no passwords). */
  source: { database: string; reference?: string };
}

/**
 * Runs the live checks on a fresh database from `open` (closed afterwards). Stops at the first
 * migration that does not apply, since the rest depend on it.
 */
export async function liveReview(sources: readonly MigrationSource[], options: LiveReviewOptions): Promise<LiveReview> {
  await loadParser();
  const { config } = options;
  const migrations = sources.map((source) => parseMigration(source.tag, source.file, source.text));
  const findings: Finding[] = [];
  const report = (
    ruleId: string,
    migration: ParsedMigration | undefined,
    index: number | undefined,
    message: string,
  ) => {
    const rule = ruleById(ruleId);
    const level = ruleLevel(config, ruleId);
    if (!rule || level === "off") return;
    const statement = migration?.statements.find((s) => s.index === index);
    findings.push(toFinding(migration?.file ?? "(catalog)", rule, level, message, statement?.position, statement));
  };
  const evidence: MigrationEvidence[] = [];
  const database = await options.open();
  try {
    let applied = true;
    for (const migration of migrations) {
      const measured = !options.measure || options.measure.includes(migration.tag);
      let failure: { index: number; message: string } | undefined;
      if (measured) {
        const result = await measureMigration(database, migration);
        evidence.push(result.evidence);
        failure = result.failure;
      } else failure = await run(database.driver, migration, "commit");
      if (failure) {
        report(
          "live-apply-failed",
          migration,
          failure.index,
          `statement ${failure.index} fails on an empty database: ${failure.message}`,
        );
        applied = false;
        break;
      }
    }
    if (applied) await rerunAndCoverage(database.driver, migrations, config, report);
  } finally {
    await database.close();
  }
  const weights = options.reference ? await weigh(options.reference, evidence) : undefined;
  for (const hit of lockFindings(evidence, weights)) {
    report(
      hit.rule,
      migrations.find((m) => m.tag === hit.tag),
      hit.statementIndex,
      hit.message,
    );
  }
  return {
    findings,
    evidence,
    ...(weights ? { weights } : {}),
    source: {
      database: database.description,
      ...(options.reference ? { reference: redactUrl(options.reference.url) } : {}),
    },
  };
}

/** The second run of every migration from the guard baseline on, then the catalog's RLS coverage. */
async function rerunAndCoverage(
  driver: Driver,
  migrations: readonly ParsedMigration[],
  config: ReviewConfig,
  report: (ruleId: string, migration: ParsedMigration | undefined, index: number | undefined, message: string) => void,
): Promise<void> {
  for (const migration of migrations) {
    if (!mustBeRerunnable(migration.tag, config.guardBaseline) && !migration.noTransaction) continue;
    const failure = await run(driver, migration, "rollback");
    if (failure) {
      report(
        "live-not-rerunnable",
        migration,
        failure.index,
        `${migration.tag} is not re-runnable: statement ${failure.index} fails the second time: ${failure.message}`,
      );
    }
  }
  for (const problem of await rlsCoverage(driver, config)) report("live-rls-coverage", undefined, undefined, problem);
}

/** The reference database's sizes of every table the evidence names. */
async function weigh(
  reference: NonNullable<LiveReviewOptions["reference"]>,
  evidence: readonly MigrationEvidence[],
): Promise<Weights> {
  const relations = new Map<string, RelationName>();
  for (const statement of evidence.flatMap((m) => m.statements)) {
    for (const relation of [...statement.locks.map((l) => l.relation), ...statement.storage.map((c) => c.relation)]) {
      relations.set(relationKey(relation), relation);
    }
  }
  const driver = await openReadOnly(reference.url);
  try {
    return { sizes: await relationSizes(driver, [...relations.values()]), largeTableRows: reference.largeTableRows };
  } finally {
    await driver.close();
  }
}

/** Runs a migration's statements; returns the first failure. */
async function run(
  driver: Driver,
  migration: ParsedMigration,
  end: "commit" | "rollback",
): Promise<{ index: number; message: string } | undefined> {
  const transactional = !migration.noTransaction;
  if (transactional) await driver.exec("BEGIN");
  try {
    for (const statement of migration.statements) {
      try {
        await driver.exec(statement.sql);
      } catch (error) {
        const fields = databaseErrorFields(error);
        return {
          index: statement.index,
          message: `${fields.message}${fields.code ? ` (SQLSTATE ${fields.code})` : ""}`,
        };
      }
    }
    return undefined;
  } finally {
    if (transactional) await driver.exec(end === "commit" ? "COMMIT" : "ROLLBACK");
  }
}

/** What the catalog says is missing on each tenant table (of a read-only one, its select policy alone). */
async function rlsCoverage(driver: Driver, config: ReviewConfig): Promise<string[]> {
  const tables = await driver.query<{ table: string; rls: boolean }>(
    `SELECT c.relname AS "table", c.relrowsecurity AS rls
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1`,
    [config.tenantColumn],
  );
  const policies = await driver.query<{ table: string; cmd: string; roles: string[] | string }>(
    `SELECT tablename AS "table", cmd, roles FROM pg_policies`,
  );
  const problems: string[] = [];
  for (const { table, rls } of tables) {
    if (!rls) problems.push(`tenant table "${table}" has row-level security disabled in the catalog`);
    const covered = new Set(
      policies
        .filter((p) => p.table === table && roleList(p.roles).some((role) => role === config.role || role === "public"))
        .flatMap((p) => (p.cmd === "ALL" ? [...COMMANDS] : [p.cmd])),
    );
    // A read-only tenant table (a membership table others' policies build on) needs SELECT alone.
    const needed = config.readOnlyTenantTables?.includes(table) ? ["SELECT"] : COMMANDS;
    const missing = needed.filter((command) => !covered.has(command));
    if (missing.length > 0) {
      problems.push(`tenant table "${table}" has no ${missing.join("/")} policy for "${config.role}" in the catalog`);
    }
  }
  return problems;
}

/** `pg_policies.roles` is a `name[]`: an array from node-postgres, sometimes its text form. */
function roleList(roles: string[] | string): string[] {
  if (Array.isArray(roles)) return roles;
  return roles
    .replace(/^\{|\}$/g, "")
    .split(",")
    .map((role) => role.replace(/^"|"$/g, ""));
}
