/**
 * Which statements of a reverting migration lose data or cannot bring it back. Each gets a comment
 * line `-- db:revert data-loss: …` above it in the file and is listed on screen. Statements are
 * read by PostgreSQL's parser (load it first).
 */
import {
  arrayField,
  type AstObject,
  nameList,
  nodeOf,
  objectField,
  objectNameList,
  relationName,
  stringField,
} from "../sql/ast.ts";
import { parseSql, type SqlUnit } from "../sql/parse-migration.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import type { RevertStatement, RevertTodo } from "./manual-sql.ts";

/** The comment prefix of a data-loss line in a reverting migration. */
export const DATA_LOSS_MARKER = "-- db:revert data-loss:";

type RemovedEnumValues = { type: string; values: string[] }[];

/** The columns an `ALTER TABLE` converts (`"t"."c"`), each with the last name of its new type. */
function conversions(unit: SqlUnit): { column: string; type: string }[] {
  if (unit.type !== "AlterTableStmt") return [];
  const table = quoteIdent(relationName(objectField(unit.node, "relation")) ?? "");
  return arrayField(unit.node, "cmds").flatMap((item) => {
    const command = nodeOf(item, "AlterTableCmd");
    if (stringField(command, "subtype") !== "AT_AlterColumnType") return [];
    const typeName = objectField(nodeOf(command?.["def"], "ColumnDef"), "typeName");
    const column = `${table}.${quoteIdent(stringField(command, "name") ?? "")}`;
    return [{ column, type: nameList(typeName?.["names"]).at(-1) ?? "" }];
  });
}

/**
 * What one parsed statement loses, or undefined. `removedEnumValues` come from the snapshots;
 * `roundTrips`: the columns (`"t"."c"`) converted to text and back while an enum that loses values
 * is made again, each with that enum. The loss is the conversion back's, where rows holding a
 * removed value fail.
 */
function unitDataLoss(
  unit: SqlUnit,
  removedEnumValues: RemovedEnumValues,
  roundTrips: ReadonlyMap<string, string>,
): string | undefined {
  const table = quoteIdent(relationName(objectField(unit.node, "relation")) ?? "");
  switch (unit.type) {
    case "DropStmt": {
      const [object] = arrayField(unit.node, "objects");
      const names =
        stringField(unit.node, "removeType") === "OBJECT_TYPE"
          ? nameList(nodeOf(object, "TypeName")?.["names"])
          : objectNameList(object);
      const name = names.at(-1) ?? "";
      if (stringField(unit.node, "removeType") === "OBJECT_TABLE")
        return `drops table ${quoteIdent(name)} and its rows`;
      if (stringField(unit.node, "removeType") === "OBJECT_SEQUENCE")
        return `drops sequence ${quoteIdent(name)} and its current value: made again, it starts over at values already handed out`;
      return undefined;
    }
    case "CreateStmt":
      return `re-creates table ${table} empty: the rows it had are not restored (copy them back from a backup)`;
    case "AlterTableStmt":
      for (const item of arrayField(unit.node, "cmds")) {
        const command = nodeOf(item, "AlterTableCmd");
        const column = nodeOf(command?.["def"], "ColumnDef");
        switch (stringField(command, "subtype")) {
          case "AT_DropColumn":
            return `drops column ${table}.${quoteIdent(stringField(command, "name") ?? "")} and its values`;
          case "AT_DropIdentity":
            return `drops the identity of ${table}.${quoteIdent(stringField(command, "name") ?? "")} with its sequence and the sequence's current value: the column keeps its values, inserts must then give one`;
          case "AT_AddColumn": {
            const kinds = arrayField(column, "constraints").map((c) => stringField(nodeOf(c, "Constraint"), "contype"));
            const failsWhenFull =
              kinds.includes("CONSTR_NOTNULL") && !kinds.includes("CONSTR_DEFAULT")
                ? "; NOT NULL without a default fails on a table with rows"
                : "";
            return `re-adds column ${table}.${quoteIdent(stringField(column, "colname") ?? "")} empty: its old values are not restored (copy them back from a backup)${failsWhenFull}`;
          }
          case "AT_AlterColumnType": {
            const type = nameList(objectField(column, "typeName")?.["names"]).at(-1) ?? "";
            const name = `${table}.${quoteIdent(stringField(command, "name") ?? "")}`;
            const lost = roundTrips.has(name) && removedEnumValues.find((e) => e.type === type);
            if (lost)
              return `enum ${quoteIdent(lost.type)} loses ${lost.values.map((v) => `'${v}'`).join(", ")}: converting ${name} back to it fails while rows hold them; the values cannot be kept`;
            // The way there, through text, loses nothing.
            if (type !== "text" || !roundTrips.has(name))
              return `changes the type of ${name}: values that do not convert make it fail, narrower types lose precision`;
            break;
          }
        }
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * What a hand-written statement of the reverted migration destroyed that no revert brings back
 * (its TODO block says so, and it is listed with the data loss): rows deleted or emptied, values
 * overwritten (an UPDATE, an INSERT … ON CONFLICT DO UPDATE, also inside a WITH), columns dropped
 * or converted (each command of an ALTER TABLE, but a column the same statement adds). Undefined
 * for anything else.
 */
export function handWrittenLoss(unit: SqlUnit): string | undefined {
  const losses = [...new Set(writesIn(unit.node, unit.type).flatMap((write) => writeLoss(write.type, write.node)))];
  return losses.length > 0 ? losses.join("; ") : undefined;
}

/** The statement and the data-changing statements of its WITH clause, each with its node type. */
function writesIn(node: AstObject, type: string): { type: string; node: AstObject }[] {
  const ctes = arrayField(objectField(node, "withClause"), "ctes").flatMap((cte) => {
    const query = objectField(nodeOf(cte, "CommonTableExpr"), "ctequery");
    const [inner] = Object.entries(query ?? {});
    return inner ? writesIn(inner[1] as AstObject, inner[0]) : [];
  });
  return [{ type, node }, ...ctes];
}

function writeLoss(type: string, node: AstObject): string[] {
  const table = quoteIdent(relationName(objectField(node, "relation")) ?? "");
  switch (type) {
    case "DeleteStmt":
      return [`its DELETE on ${table} removed rows that reverting does not bring back (restore them from a backup)`];
    case "TruncateStmt":
      return ["its TRUNCATE emptied tables whose rows reverting does not bring back (restore them from a backup)"];
    case "UpdateStmt":
      return [
        `its UPDATE of ${table} overwrote values that reverting does not bring back (restore them from a backup)`,
      ];
    case "InsertStmt":
      return stringField(objectField(node, "onConflictClause"), "action") === "ONCONFLICT_UPDATE"
        ? [`its INSERT … ON CONFLICT DO UPDATE of ${table} overwrote values that reverting does not bring back`]
        : [];
    case "AlterTableStmt": {
      const commands = arrayField(node, "cmds").map((item) => nodeOf(item, "AlterTableCmd"));
      const added = new Set(
        commands
          .filter((c) => stringField(c, "subtype") === "AT_AddColumn")
          .map((c) => stringField(nodeOf(c?.["def"], "ColumnDef"), "colname")),
      );
      return commands.flatMap((command) => {
        const name = stringField(command, "name") ?? "";
        if (added.has(name)) return [];
        const column = `${table}.${quoteIdent(name)}`;
        if (stringField(command, "subtype") === "AT_DropColumn")
          return [`it dropped column ${column} and its values, which reverting does not bring back`];
        if (stringField(command, "subtype") === "AT_AlterColumnType")
          return [`it converted column ${column}: values it cut or changed are not brought back by converting again`];
        return [];
      });
    }
    default:
      return [];
  }
}

/** The TODOs, each with what its hand-written statement destroyed, where it did (`handWrittenLoss`). */
export function markTodoLoss(todos: readonly RevertTodo[]): RevertTodo[] {
  return todos.map((todo) => {
    const losses = parseSql(todo.statement)
      .map(handWrittenLoss)
      .filter((loss) => loss !== undefined);
    return losses.length > 0 ? { ...todo, dataLoss: [...new Set(losses)].join("; ") } : todo;
  });
}

/**
 * Wraps generated statements, attaching the data-loss comment where one applies. Re-creating an
 * enum that loses values converts its columns to text and back: the conversion back carries the
 * loss, and the way there is acknowledged for db:review's `column-type-change` (it rewrites the
 * table, and loses nothing).
 */
export function markDataLoss(sqls: string[], removedEnumValues: RemovedEnumValues): RevertStatement[] {
  const units = sqls.map((sql) => parseSql(sql)[0]);
  const roundTrips = new Map<string, string>();
  for (const unit of units) {
    for (const { column, type } of unit ? conversions(unit) : []) {
      if (removedEnumValues.some((e) => e.type === type)) roundTrips.set(column, type);
    }
  }
  return sqls.map((sql, i) => {
    const unit = units[i];
    if (!unit) return { sql, comments: [] };
    const loss = unitDataLoss(unit, removedEnumValues, roundTrips);
    if (loss) return { sql, comments: [], dataLoss: loss };
    const [through] = conversions(unit).filter((c) => c.type === "text" && roundTrips.has(c.column));
    if (!through) return { sql, comments: [] };
    const why = `${through.column} goes through text while enum ${quoteIdent(roundTrips.get(through.column) ?? "")} is made again`;
    return { sql, comments: [], acknowledge: { rule: "column-type-change", why } };
  });
}
