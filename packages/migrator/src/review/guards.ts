/**
 * Whether a statement can run a second time without error: by its own guard (`IF NOT EXISTS`,
 * `IF EXISTS`) or by the DO block around it (`EXCEPTION WHEN duplicate_object`, an `IF`).
 */
import { arrayField, nodeOf, objectField, relationName, stringField } from "../sql/ast.ts";
import type { SqlUnit } from "../sql/parse-migration.ts";

/** Exception conditions that make a repeated CREATE/ADD harmless. */
const DUPLICATE_CONDITIONS = new Set(["duplicate_object", "duplicate_table", "duplicate_column", "others"]);

/** Whether an enclosing DO block catches a duplicate or runs the statement only conditionally. */
function isGuardedByBlock(unit: SqlUnit): boolean {
  return unit.guards.conditional || unit.guards.handles.some((condition) => DUPLICATE_CONDITIONS.has(condition));
}

/**
 * Why the statement fails when run twice, or undefined when it is re-runnable. Enum statements
 * are included; `missing-guard` leaves them to `unguarded-enum`.
 *
 * @example missingGuard(unitOf('CREATE INDEX "i" ON "t" ("c")')) // 'CREATE INDEX "i" without IF NOT EXISTS'
 */
export function missingGuard(unit: SqlUnit): string | undefined {
  if (isGuardedByBlock(unit)) return undefined;
  const { node } = unit;
  const flag = (key: string) => node[key] === true;
  const table = relationName(objectField(node, "relation"));
  switch (unit.type) {
    case "CreateStmt":
      return flag("if_not_exists") ? undefined : `CREATE TABLE "${table}" without IF NOT EXISTS`;
    case "IndexStmt":
      return flag("if_not_exists")
        ? undefined
        : `CREATE INDEX "${stringField(node, "idxname") ?? ""}" without IF NOT EXISTS`;
    case "CreateExtensionStmt":
      return flag("if_not_exists")
        ? undefined
        : `CREATE EXTENSION "${stringField(node, "extname") ?? ""}" without IF NOT EXISTS`;
    case "CreateSchemaStmt":
      return flag("if_not_exists")
        ? undefined
        : `CREATE SCHEMA "${stringField(node, "schemaname") ?? ""}" without IF NOT EXISTS`;
    case "CreateSeqStmt":
      return flag("if_not_exists") ? undefined : "CREATE SEQUENCE without IF NOT EXISTS";
    case "DropStmt":
      return flag("missing_ok") ? undefined : `DROP ${dropKind(stringField(node, "removeType"))} without IF EXISTS`;
    case "CreateEnumStmt":
      return "CREATE TYPE … AS ENUM outside a DO block that catches duplicate_object";
    case "AlterEnumStmt":
      if (stringField(node, "oldVal") !== undefined)
        return `RENAME VALUE '${stringField(node, "oldVal")}' TO '${stringField(node, "newVal") ?? ""}' (fails once renamed) outside a DO block that checks pg_enum`;
      return flag("skipIfNewValExists") || !stringField(node, "newVal")
        ? undefined
        : `ADD VALUE '${stringField(node, "newVal") ?? ""}' without IF NOT EXISTS`;
    case "CreatePolicyStmt":
      return `CREATE POLICY "${stringField(node, "policy_name") ?? ""}" outside a DO block that catches duplicate_object`;
    case "CreateRoleStmt":
      return `CREATE ROLE "${stringField(node, "role") ?? ""}" outside a DO block that checks pg_roles`;
    case "RenameStmt":
      return "RENAME (fails once renamed) outside a DO block that catches the error";
    case "CreateFunctionStmt":
    case "CreateTrigStmt":
    case "ViewStmt":
      return flag("replace") ? undefined : `${unit.type.replace(/Stmt$/, "")} without OR REPLACE`;
    case "AlterTableStmt":
      return alterTableMissingGuard(unit, table ?? "");
    default:
      return undefined;
  }
}

function alterTableMissingGuard(unit: SqlUnit, table: string): string | undefined {
  for (const item of arrayField(unit.node, "cmds")) {
    const command = nodeOf(item, "AlterTableCmd");
    const missingOk = command?.["missing_ok"] === true;
    switch (stringField(command, "subtype")) {
      case "AT_AddColumn":
        if (!missingOk) {
          const column = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname");
          return `ADD COLUMN "${column ?? ""}" on "${table}" without IF NOT EXISTS`;
        }
        break;
      case "AT_DropColumn":
        if (!missingOk) return `DROP COLUMN "${stringField(command, "name") ?? ""}" on "${table}" without IF EXISTS`;
        break;
      case "AT_DropConstraint":
        if (!missingOk)
          return `DROP CONSTRAINT "${stringField(command, "name") ?? ""}" on "${table}" without IF EXISTS`;
        break;
      case "AT_AddConstraint": {
        const name = stringField(nodeOf(command?.["def"], "Constraint"), "conname");
        return `ADD CONSTRAINT "${name ?? ""}" on "${table}" outside a DO block that catches duplicate_object`;
      }
    }
  }
  return undefined;
}

/** `OBJECT_TABLE` → `TABLE`. */
export function dropKind(removeType: string | undefined): string {
  return (removeType ?? "OBJECT").replace(/^OBJECT_/, "").replace(/_/g, " ");
}
