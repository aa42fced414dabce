import { type AstObject, findNodes, isObject, nameList, objectField } from "../../sql/ast.ts";
import { OPAQUE_STATEMENTS, routineDefinition } from "../../sql/opaque-routines.ts";
import type { ReviewStatement, SqlUnit } from "../../sql/parse-migration.ts";
import { tableName } from "../object-names.ts";
import type { SchemaState } from "../schema-state.ts";

/** The statements that write rows into the table they name. */
const WRITES = ["InsertStmt", "UpdateStmt", "MergeStmt"];

/**
 * The first of `later` that may write rows of `table`: an INSERT, UPDATE, MERGE or COPY … FROM
 * into it, at the top, in a WITH, in a DO block, or in the body of a routine the statement calls
 * (the parse with calls followed makes the body's statements units of the call); or SQL --fix
 * cannot read, which may: a DO block's EXECUTE, a call of a routine whose body runs one, the
 * EXECUTE of a prepared statement (this migration's or, in the runner's one session, an earlier
 * one's: an INSERT, UPDATE or MERGE). What a trigger on another table writes is not seen.
 * `migration` holds every statement of the migration (the routines it creates), `state` the
 * routines earlier migrations created.
 */
export function firstWrite(
  later: readonly ReviewStatement[],
  table: string,
  migration: readonly ReviewStatement[],
  state: SchemaState,
): ReviewStatement | undefined {
  const opaqueHere = new Set(
    migration.flatMap((s) =>
      s.units.flatMap((unit) => {
        const routine = routineDefinition(unit);
        return routine && routine.opaque.length > 0 ? [routine.name] : [];
      }),
    ),
  );
  const opaque = (routine: string) => opaqueHere.has(routine) || state.opaqueRoutine(routine) !== undefined;
  return later.find((statement) =>
    statement.units.some(
      (unit) =>
        writesInto(unit, table) ||
        unit.type === "ExecuteStmt" ||
        (unit.doBlock?.opaque ?? []).some((kind) => OPAQUE_STATEMENTS.has(kind)) ||
        calledNames(unit).some(opaque),
    ),
  );
}

/** The names of the functions and procedures a statement calls (`SELECT f()`, `CALL p()`). */
function calledNames(unit: SqlUnit): string[] {
  const calls = findNodes(unit.node, "FuncCall").map(({ body }) => body);
  const call = unit.type === "CallStmt" ? objectField(unit.node, "funccall") : undefined;
  return [...calls, ...(call ? [call] : [])].flatMap((body) => nameList(body["funcname"]).slice(-1));
}

/** Whether a statement writes rows into `table` (anywhere in it). */
function writesInto(unit: SqlUnit, table: string): boolean {
  const into = (node: AstObject) => isObject(node["relation"]) && tableName(node["relation"]) === table;
  if (unit.type === "CopyStmt") return unit.node["is_from"] === true && into(unit.node);
  const writes = [
    ...(WRITES.includes(unit.type) ? [unit.node] : []),
    ...WRITES.flatMap((type) => findNodes(unit.node, type).map(({ body }) => body)),
  ];
  return writes.some(into);
}
