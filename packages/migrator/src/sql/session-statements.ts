/**
 * Statements of a migration that change the runner's session rather than the schema: the timeouts
 * the runner sets, which a migration may choose for itself, and what releases the runner's
 * advisory lock, which it may not.
 */
import { arrayField, constantText, findNodes, nameList, nodeOf, objectField, stringField } from "./ast.ts";
import type { ParsedMigration, ReviewStatement, SqlUnit } from "./parse-migration.ts";

const TIMEOUTS = new Set(["lock_timeout", "statement_timeout"]);

/**
 * Whether a statement sets `lock_timeout` or `statement_timeout` itself (`SET`, `RESET`,
 * `RESET ALL`, or a `set_config` call anywhere in it). Statement by statement, the runner sets its
 * own timeouts again before each statement only until the migration chose its own.
 *
 * @example setsTimeouts(parseMigration("t", "t.sql", "SET lock_timeout = '5s';").statements[0]!) // true
 */
export function setsTimeouts(statement: ReviewStatement): boolean {
  return statement.units.some((unit) => {
    if (unit.type === "VariableSetStmt") {
      const kind = stringField(unit.node, "kind");
      return kind === "VAR_RESET_ALL" || TIMEOUTS.has(stringField(unit.node, "name") ?? "");
    }
    return findNodes(unit.node, "FuncCall").some((call) => nameList(call.body["funcname"]).at(-1) === "set_config");
  });
}

/** A statement that would release the runner's session-level advisory lock. */
export interface LockRelease {
  statement: ReviewStatement;
  /** What releases it, e.g. `DISCARD ALL`. */
  command: string;
}

/**
 * The statements of a migration that release the session's advisory lock `lockKey` (a bigint, in
 * decimal): `DISCARD ALL`, `pg_advisory_unlock_all()`, and `pg_advisory_unlock(key)` with that
 * key as a constant. Anywhere in a statement, DO blocks included; a function the migration calls
 * is not looked into (the runner's check of the lock catches that while it runs).
 *
 * @example lockReleases(parseMigration("t", "t.sql", "DISCARD ALL;"), "1").map((r) => r.command) // ["DISCARD ALL"]
 */
export function lockReleases(migration: ParsedMigration, lockKey: string): LockRelease[] {
  return migration.statements.flatMap((statement) =>
    statement.units.flatMap((unit): LockRelease[] => {
      const command = lockReleaseIn(unit, lockKey);
      return command ? [{ statement, command }] : [];
    }),
  );
}

/** What in one statement (unit) releases the advisory lock `lockKey`, as {@link lockReleases} finds it; undefined when nothing does. */
export function lockReleaseIn(unit: SqlUnit, lockKey: string): string | undefined {
  if (unit.type === "DiscardStmt")
    return stringField(unit.node, "target") === "DISCARD_ALL" ? "DISCARD ALL" : undefined;
  for (const { body } of findNodes(unit.node, "FuncCall")) {
    const name = nameList(body["funcname"]).at(-1);
    if (name === "pg_advisory_unlock_all") return "pg_advisory_unlock_all()";
    if (name !== "pg_advisory_unlock") continue;
    const args = arrayField(body, "args");
    const constant = args.length === 1 ? nodeOf(args[0], "A_Const") : undefined;
    const value =
      stringField(objectField(constant, "fval"), "fval") ?? String(objectField(constant, "ival")?.["ival"] ?? "");
    if (value === lockKey) return `pg_advisory_unlock(${lockKey})`;
  }
  return undefined;
}

/** How PostgreSQL spells true for a boolean setting (unique prefixes of on/true/yes, and 1). */
const TRUE_SPELLINGS = new Set(["on", "t", "tr", "tru", "true", "y", "ye", "yes", "1"]);

/**
 * The statements of a migration that turn `standard_conforming_strings` off (`SET`, `SET LOCAL`,
 * `set_config` of it or of a name that is not a constant, `UPDATE pg_settings`, with any value
 * that is not on, or one that is not a constant). With it off the
 * server reads a backslash in a string as an escape and PostgreSQL's parser, which the runner
 * reads every migration with, does not: `SELECT 'a\' -- '; COMMIT;` is a comment to one and a
 * COMMIT to the other. The runner refuses them before anything runs.
 */
export function conformingStringsOff(migration: ParsedMigration): ReviewStatement[] {
  return migration.statements.filter((statement) => statement.units.some(turnsConformingStringsOff));
}

/** Whether one statement (unit) turns `standard_conforming_strings` off, as {@link conformingStringsOff} finds it. */
export function turnsConformingStringsOff(unit: SqlUnit): boolean {
  const off = (value: unknown) => {
    const text = constantText(value);
    return text === undefined || !TRUE_SPELLINGS.has(text.toLowerCase());
  };
  if (unit.type === "VariableSetStmt" && stringField(unit.node, "name") === "standard_conforming_strings")
    return stringField(unit.node, "kind") === "VAR_SET_VALUE" && off(arrayField(unit.node, "args")[0]);
  // UPDATE pg_settings SET setting = … is set_config by another name.
  if (unit.type === "UpdateStmt" && stringField(objectField(unit.node, "relation"), "relname") === "pg_settings")
    return true;
  return findNodes(unit.node, "FuncCall").some(({ body }) => {
    if (nameList(body["funcname"]).at(-1) !== "set_config") return false;
    const [name, value] = arrayField(body, "args");
    // A name that is not a constant may be this one.
    const setting = constantText(name)?.toLowerCase();
    return (setting === undefined || setting === "standard_conforming_strings") && off(value);
  });
}
