/**
 * Statements of a migration that change the runner's session rather than the schema: the timeouts
 * the runner sets, which a migration may choose for itself.
 */
import { findNodes, nameList, stringField } from "./ast.ts";
import type { ReviewStatement } from "./parse-migration.ts";

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
