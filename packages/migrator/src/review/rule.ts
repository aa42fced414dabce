/**
 * What a review rule is: an id, what it finds and why, how to fix it, examples that are also its
 * tests, and a check. The registry (`rules/index.ts`) lists every rule once; the config, the
 * command and the generated docs derive from it.
 */
import type { Severity } from "./finding.ts";
import type { ParsedMigration, Position, ReviewStatement, SqlUnit } from "../sql/parse-migration.ts";
import type { SchemaState } from "./schema-state.ts";

/**
 * The project-specific settings the rules read. Each is a convention a project opts into: without
 * `tenantColumn` the project is not multi-tenant and the RLS rules find nothing; without
 * `guardBaseline` no migration has to be re-runnable.
 */
export interface ReviewSettings {
  /** The column that makes a table a tenant table, e.g. `organization_id`. */
  tenantColumn?: string;
  /** The role the RLS policies must cover, e.g. `authenticated` (required with `tenantColumn`). */
  role?: string;
  /** Migrations from this one on (by tag prefix, e.g. `0007`) must be re-runnable. */
  guardBaseline?: string;
  /**
   * Tenant tables the role may only read (memberships other policies build on; db:rls's
   * `readOnlyTenantTables`): a select policy is all they need.
   */
  readOnlyTenantTables?: string[];
}

/** What a check reports; the engine adds file, rule, severity and help. */
export interface RuleHit {
  /** The statement at fault (keys suppressions and the baseline); absent for a file-level finding. */
  statement?: ReviewStatement;
  /** Defaults to the statement's first line of code. */
  position?: Position;
  message: string;
}

/** What a statement-level check sees. */
export interface UnitContext {
  migration: ParsedMigration;
  statement: ReviewStatement;
  unit: SqlUnit;
  /** The schema right before this statement. */
  state: SchemaState;
  /** The schema when this migration started (to tell existing tables from new ones). */
  before: SchemaState;
  settings: ReviewSettings;
  /** Whether this migration is at or after the guard baseline. */
  mustBeRerunnable: boolean;
}

/** What a migration-level check sees. */
export interface MigrationContext {
  migration: ParsedMigration;
  before: SchemaState;
  after: SchemaState;
  settings: ReviewSettings;
  mustBeRerunnable: boolean;
  /** The statements Drizzle Kit generates from the previous snapshot to this one, if known. */
  generated?: string[];
  /** Why `generated` is unknown although both snapshots exist. */
  generatedError?: string;
}

/** A documented example: earlier migrations (`history`), then the one reviewed (`sql`). */
export interface RuleExample {
  history?: string[];
  sql: string;
  /** Statements Drizzle Kit would generate for `sql`, for rules that compare with them. */
  generated?: string[];
  /** Why Drizzle Kit's differ gave no statements for `sql` although both snapshots exist. */
  generatedError?: string;
}

export interface Rule {
  /** Stable kebab-case id, used in config, suppressions and output. */
  id: string;
  defaultSeverity: Severity;
  /** One line: what it finds. */
  summary: string;
  /** Why it matters (a paragraph for the docs). */
  explanation: string;
  /** The one-line fix printed under each finding. */
  help: string;
  /**
   * Where findings come from: `static` (the check functions), `engine` (the review itself: parse
   * errors, suppressions), `live` (`--live`, a real database) or `history` (`--base REF`, git).
   */
  source: "static" | "engine" | "live" | "history";
  /** SQL that triggers the rule and SQL that does not; the rule's tests run both. */
  examples?: { failing: RuleExample; passing: RuleExample };
  checkUnit?(context: UnitContext): RuleHit[];
  checkMigration?(context: MigrationContext): RuleHit[];
}

/** The file position of a parse-tree `location` (a byte offset into the unit's source). */
export function unitPosition(migration: ParsedMigration, unit: SqlUnit, location?: unknown): Position {
  if (typeof location !== "number" || location < 0) return migration.positionAt(unit.offset);
  const chars = Buffer.from(unit.source, "utf8").subarray(0, location).toString("utf8").length;
  return migration.positionAt(unit.sourceOffset + chars);
}
