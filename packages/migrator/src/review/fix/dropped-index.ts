import { isObject } from "../../sql/ast.ts";
import { tableNameOfQualified } from "../object-names.ts";
import type { SchemaState } from "../schema-state.ts";

/** The index a DROP INDEX names, as the replayed schema knows it. */
export interface DroppedIndex {
  /** Its table, as `tableName` names it (`t`, `auth.sessions`). */
  table: string;
  /** Whether it is UNIQUE (a constraint's index always is; one whose definition cannot be read counts as unique). */
  unique: boolean;
  /**
   * The constraint it is the index of (PRIMARY KEY, UNIQUE, EXCLUDE), or one of its table of the
   * same name (`ADD CONSTRAINT "i" UNIQUE USING INDEX "i"` makes the index a constraint's under
   * the name the replay already had for it).
   */
  constraint?: string;
  /**
   * The named foreign keys that may check against it (`"c_ta_fkey" on public.c`): those referencing
   * its table's columns it covers, or a column the table no longer has (the replayed foreign key
   * keeps the name a column had when it was added).
   */
  foreignKeys: string[];
}

/**
 * The index `[schema?, name]` as the replayed schema knows it right before its DROP, or undefined
 * when it does not (an index PostgreSQL named, a constraint's or a partition's, is not tracked).
 */
export function droppedIndex(state: SchemaState, names: string[]): DroppedIndex | undefined {
  const entry = state.objectNames().indexNamed(names);
  if (!entry) return undefined;
  const table = tableNameOfQualified(entry.table);
  const name = names.at(-1) ?? "";
  const constraint =
    entry.constraint ?? (state.objectNames().constraint(entry.table, name) === undefined ? undefined : name);
  /** The columns it covers: keys, INCLUDE, and those its expressions and WHERE name. */
  const columns = new Set(entry.columns);
  const mayUse = (referenced: string[]) =>
    referenced.length > 0 && referenced.every((c) => columns.has(c) || !state.hasColumn(table, c));
  const foreignKeys = state
    .objectNames()
    .foreignKeys()
    .flatMap(({ table: on, name: foreignKey, references }) =>
      references.table === entry.table && mayUse(references.columns) ? [`"${foreignKey}" on ${on}`] : [],
    );
  return {
    table,
    unique: constraint !== undefined || isUniqueDefinition(entry.definition),
    ...(constraint === undefined ? {} : { constraint }),
    foreignKeys,
  };
}

/** Whether an index's definition (the canonical form of its `IndexStmt`'s tree) is UNIQUE; true when it cannot be read. */
function isUniqueDefinition(definition: string): boolean {
  try {
    const node: unknown = JSON.parse(definition);
    return !isObject(node) || node["unique"] === true;
  } catch {
    return true;
  }
}
