import { type AstObject, arrayField, findNodes, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** Whether an expression is the constant `true` (`WHERE true`: no condition at all). */
function isConstantTrue(expr: unknown): boolean {
  return objectField(nodeOf(expr, "A_Const"), "boolval")?.["boolval"] === true;
}

/** A MERGE whose join condition is the constant true and which deletes what it matches, without a further condition. */
function mergeDeletesEveryRow(node: AstObject): boolean {
  if (!isConstantTrue(node["joinCondition"])) return false;
  return arrayField(node, "mergeWhenClauses").some((clause) => {
    const when = nodeOf(clause, "MergeWhenClause");
    return stringField(when, "commandType") === "CMD_DELETE" && !when?.["condition"];
  });
}

/** TRUNCATE, or DELETE without WHERE, of a table that may hold rows: every row is gone for good. */
export const deleteAllRows: Rule = {
  id: "delete-all-rows",
  defaultSeverity: "error",
  source: "static",
  summary: "TRUNCATE, or DELETE without WHERE, of a table that may hold rows",
  explanation:
    "A migration runs on every environment, production included: emptying a table there deletes every tenant's " +
    "rows for good, and TRUNCATE holds an ACCESS EXCLUSIVE lock meanwhile. Not reported: a table the migration " +
    "created and has not filled. TRUNCATE … CASCADE is truncate-cascade's.",
  help: "Delete exactly the rows you mean (DELETE … WHERE), or move the data out first; if emptying the table is intended, accept it with `-- review-ignore delete-all-rows: <why no data is lost>`.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"expired" boolean\n);'],
      sql: 'DELETE FROM "ai_usage";',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"expired" boolean\n);'],
      sql: 'DELETE FROM "ai_usage" WHERE "expired";',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    let tables: string[] = [];
    let verb = "";
    if (unit.type === "TruncateStmt" && stringField(unit.node, "behavior") !== "DROP_CASCADE") {
      tables = arrayField(unit.node, "relations").map((relation) => tableName(nodeOf(relation, "RangeVar")));
      verb = "TRUNCATE";
    } else {
      // A DELETE without WHERE at the top, or in a WITH of another statement; a MERGE that deletes
      // every row it matches on `ON true`. Not one in a routine's `BEGIN ATOMIC` body: it runs when
      // the routine is called (the call's statement holds it then).
      const deletes = [
        ...(unit.type === "DeleteStmt" ? [{ body: unit.node }] : []),
        ...(unit.type === "CreateFunctionStmt" ? [] : findNodes(unit.node, "DeleteStmt")),
      ].filter(({ body }) => !objectField(body, "whereClause") || isConstantTrue(body["whereClause"]));
      tables = deletes.map(({ body }) => tableName(objectField(body, "relation")));
      verb = "DELETE without WHERE";
      if (unit.type === "MergeStmt" && mergeDeletesEveryRow(unit.node)) {
        tables.push(tableName(objectField(unit.node, "relation")));
        verb = deletes.length > 0 ? verb : "MERGE … ON true … DELETE";
      }
    }
    const filled = tables.filter((table) => state.mayHaveRows(table, migration.file));
    if (filled.length === 0) return [];
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: `${verb} deletes every row of ${filled.map((t) => `"${t}"`).join(", ")}, for every tenant`,
      },
    ];
  },
};
