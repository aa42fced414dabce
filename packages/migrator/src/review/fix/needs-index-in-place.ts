import { findNodes, isObject } from "../../sql/ast.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { tableName } from "../object-names.ts";
import { alterCommands } from "../rules/statement-parts.ts";
import { mentions } from "./mentions.ts";

/**
 * Whether a statement of the migration needs an index on `table` to be as the migration left it
 * there, in the same transaction: it renames, moves or drops the table or a column (or changes a
 * column's type), which a build moved later would then not find and an old index kept meanwhile is
 * rebuilt for (or fails on); or, for a unique index, it relies on the uniqueness (`ON CONFLICT` on
 * the table, a foreign key to it).
 */
export function needsIndexInPlace(unit: SqlUnit, table: string, unique: boolean): boolean {
  const on = (relation: unknown) => isObject(relation) && tableName(relation) === table;
  if ((unit.type === "RenameStmt" || unit.type === "AlterObjectSchemaStmt") && on(unit.node["relation"])) return true;
  if (unit.type === "DropStmt" && mentions(unit.node, table.slice(table.lastIndexOf(".") + 1))) return true;
  const changesColumns = ["AT_DropColumn", "AT_AlterColumnType"];
  if (alterCommands(unit).some((c) => c.table === table && changesColumns.includes(c.subtype))) return true;
  if (!unique) return false;
  // An INSERT … ON CONFLICT anywhere in it: at the top, in a WITH, in a DO block's statement.
  const inserts = [
    ...(unit.type === "InsertStmt" ? [unit.node] : []),
    ...findNodes(unit.node, "InsertStmt").map((n) => n.body),
  ];
  if (inserts.some((insert) => insert["onConflictClause"] !== undefined && on(insert["relation"]))) return true;
  return findNodes(unit.node, "Constraint").some(
    ({ body }) => body["contype"] === "CONSTR_FOREIGN" && on(body["pktable"]),
  );
}
