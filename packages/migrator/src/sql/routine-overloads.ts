/**
 * How statements change the routines there are: `CREATE [OR REPLACE] FUNCTION`/`PROCEDURE` adds
 * one overload or replaces it, `DROP` takes some out, `ALTER … RENAME TO` and `ALTER … SET SCHEMA`
 * move them. A routine is one overload (its signature) of a name in a schema; calls look routines
 * up by name, so they are kept by name. The parse of a migration (called-routines.ts) and the
 * replayed schema (review/schema-state.ts) both apply statements here, so they agree.
 *
 * Where a statement names no overload the review knows although the name exists (an argument type
 * it spells differently, a `search_path` it does not follow), the review keeps more rather than
 * less: a `DROP` takes nothing out, and a `RENAME`/`SET SCHEMA` copies every overload of the name
 * (of the schema it names, or of every schema when it names none) to the new name or schema.
 */
import { arrayField, stringField } from "./ast.ts";
import {
  DEFAULT_ROUTINE_SCHEMA,
  type RoutineDefinition,
  type RoutineTarget,
  routineDefinition,
  routineTarget,
} from "./opaque-routines.ts";
import type { SqlUnit } from "./sql-unit.ts";

/** What tells one routine from another. */
export interface RoutineIdentity {
  schema: string;
  name: string;
  /** Its name and argument types (`f(int4)`): see opaque-routines.ts's `signatureOf`. */
  signature: string;
}

/** Where the routines are kept: each name's overloads, in every schema. */
export interface RoutineStore<T extends RoutineIdentity> {
  overloads(name: string): readonly T[];
  /** Replaces the overloads of `name` (none left: the name is gone). */
  replace(name: string, overloads: readonly T[]): void;
}

/** The `DROP`, `ALTER … RENAME` and `ALTER … SET SCHEMA` object kinds that name a routine. */
const ROUTINE_OBJECTS = new Set(["OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"]);

/**
 * Applies what `unit` does to the routines of `store`; `created` makes the routine a `CREATE`
 * defines. Returns whether the statement creates, drops, renames or moves routines.
 */
export function applyRoutineStatement<T extends RoutineIdentity>(
  store: RoutineStore<T>,
  unit: SqlUnit,
  created: (definition: RoutineDefinition) => T,
): boolean {
  const { node } = unit;
  const definition = routineDefinition(unit);
  if (definition) {
    add(store, created(definition));
    return true;
  }
  if (unit.type === "DropStmt" && ROUTINE_OBJECTS.has(stringField(node, "removeType") ?? "")) {
    for (const object of arrayField(node, "objects")) take(store, routineTarget(object));
    return true;
  }
  if (unit.type === "RenameStmt" && ROUTINE_OBJECTS.has(stringField(node, "renameType") ?? "")) {
    const name = stringField(node, "newname");
    if (name !== undefined)
      move(store, routineTarget(node["object"]), (routine) => ({
        ...routine,
        name,
        signature: name + routine.signature.slice(routine.name.length),
      }));
    return true;
  }
  if (unit.type === "AlterObjectSchemaStmt" && ROUTINE_OBJECTS.has(stringField(node, "objectType") ?? "")) {
    const schema = stringField(node, "newschema");
    if (schema !== undefined) move(store, routineTarget(node["object"]), (routine) => ({ ...routine, schema }));
    return true;
  }
  return false;
}

/** Adds a routine, in place of the overload of its schema and signature (`CREATE OR REPLACE`). */
function add<T extends RoutineIdentity>(store: RoutineStore<T>, routine: T): void {
  const others = store
    .overloads(routine.name)
    .filter((other) => other.schema !== routine.schema || other.signature !== routine.signature);
  store.replace(routine.name, [...others, routine]);
}

/** Takes out the overloads a `DROP`, `RENAME` or `SET SCHEMA` names, and returns them. */
function take<T extends RoutineIdentity>(store: RoutineStore<T>, target: RoutineTarget | undefined): T[] {
  if (!target) return [];
  const overloads = store.overloads(target.name);
  const schema = target.schema ?? DEFAULT_ROUTINE_SCHEMA;
  const named = (routine: T) =>
    routine.schema === schema && (target.signature === undefined || routine.signature === target.signature);
  const taken = overloads.filter(named);
  if (taken.length > 0)
    store.replace(
      target.name,
      overloads.filter((routine) => !named(routine)),
    );
  return taken;
}

/**
 * Moves the overloads `target` names to what `moved` makes of each (another name or schema); when
 * it names none, copies every overload of the name (in the schema it names, if it names one).
 */
function move<T extends RoutineIdentity>(
  store: RoutineStore<T>,
  target: RoutineTarget | undefined,
  moved: (routine: T) => T,
): void {
  if (!target) return;
  let routines = take(store, target);
  if (routines.length === 0)
    routines = store
      .overloads(target.name)
      .filter((routine) => target.schema === undefined || routine.schema === target.schema);
  for (const routine of routines) add(store, moved(routine));
}
