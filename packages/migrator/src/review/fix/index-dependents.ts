import { arrayField, findNodes, nodeOf, objectField, objectNameList, stringField } from "../../sql/ast.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { tableMove, tableName, tableNameOfList, tableNameOfQualified } from "../object-names.ts";
import type { SchemaState } from "../schema-state.ts";
import type { DroppedIndex } from "./dropped-index.ts";

/**
 * Why PostgreSQL would refuse to drop the old index once --fix has renamed it, as far as the
 * history shows (undefined: nothing does). The follow-up's `DROP INDEX CONCURRENTLY "<name>_old"`
 * would then fail on every run and leave both indexes. What holds an index:
 * - the constraint it is the index of (renaming the index renames the constraint too);
 * - a foreign key of any table checking against it: PostgreSQL ties a foreign key to the unique
 *   index it found for the referenced columns. The replayed schema keeps only named foreign keys;
 *   one without a name (PostgreSQL names it) counts wherever it references the table;
 * - a partitioned table's index, which PostgreSQL cannot drop CONCURRENTLY, and the index of a
 *   partition, which may be attached to its parent's. The replayed schema knows a table declared
 *   PARTITION BY; a partition (PARTITION OF, ATTACH PARTITION) is found in `earlier`.
 *
 * `state` is the schema right before the DROP, `earlier` every statement run before it.
 */
export function indexDependents(
  index: DroppedIndex,
  state: SchemaState,
  earlier: readonly SqlUnit[],
): string | undefined {
  if (index.constraint !== undefined)
    return `it is the index of constraint "${index.constraint}": renaming the index renames the constraint, and PostgreSQL refuses to drop a constraint's index`;
  if (state.isPartitioned(index.table))
    return "its table is partitioned, and PostgreSQL refuses to drop a partitioned table's index CONCURRENTLY";
  const untracked = untrackedDependents(earlier, index.table);
  if (untracked.partition)
    return "its table is a partition, whose index may be attached to its parent's, and PostgreSQL refuses to drop an attached index";
  if (!index.unique) return undefined;
  const checks = "and PostgreSQL refuses to drop the index a foreign key checks against";
  const foreignKey = index.foreignKeys[0];
  if (foreignKey) return `foreign key ${foreignKey} may check against it, ${checks}`;
  if (untracked.foreignKey)
    return `a foreign key without a name references its table and may check against it (--fix cannot tell: name it), ${checks}`;
  return undefined;
}

/**
 * Whether `table` is partitioned (the replayed schema knows a table declared PARTITION BY) or a
 * partition (PARTITION OF, ATTACH PARTITION in `earlier`): PostgreSQL builds and drops neither's
 * indexes CONCURRENTLY as it does a plain table's. Undefined for a plain table.
 */
export function partitionRole(
  table: string,
  state: SchemaState,
  earlier: readonly SqlUnit[],
): "partitioned" | "partition" | undefined {
  if (state.isPartitioned(table)) return "partitioned";
  return untrackedDependents(earlier, table).partition ? "partition" : undefined;
}

/**
 * What `earlier` says of `table` that the replayed schema does not keep: a foreign key without a
 * name that references it, and whether it is a partition. Followed through the table's renames;
 * a foreign key or partition once seen counts on (fail closed) unless its table is dropped.
 */
function untrackedDependents(earlier: readonly SqlUnit[], table: string): { foreignKey: boolean; partition: boolean } {
  const referenced = new Set<string>();
  const partitions = new Set<string>();
  for (const unit of earlier) {
    const move = tableMove(unit.type, unit.node);
    if (move) {
      for (const set of [referenced, partitions]) {
        if (set.delete(tableNameOfQualified(move.from))) set.add(tableNameOfQualified(move.to));
      }
      continue;
    }
    if (unit.type === "DropStmt" && stringField(unit.node, "removeType") === "OBJECT_TABLE") {
      for (const object of arrayField(unit.node, "objects")) {
        const dropped = tableNameOfList(objectNameList(object));
        referenced.delete(dropped);
        partitions.delete(dropped);
      }
      continue;
    }
    for (const { body } of findNodes(unit.node, "Constraint")) {
      if (stringField(body, "contype") === "CONSTR_FOREIGN" && stringField(body, "conname") === undefined)
        referenced.add(tableName(objectField(body, "pktable")));
    }
    if (unit.type === "CreateStmt" && unit.node["partbound"] !== undefined)
      partitions.add(tableName(objectField(unit.node, "relation")));
    if (unit.type === "AlterTableStmt" && stringField(unit.node, "objtype") === "OBJECT_TABLE") {
      for (const item of arrayField(unit.node, "cmds")) {
        const command = nodeOf(item, "AlterTableCmd");
        if (stringField(command, "subtype") !== "AT_AttachPartition") continue;
        partitions.add(tableName(objectField(nodeOf(command?.["def"], "PartitionCmd"), "name")));
      }
    }
  }
  return { foreignKey: referenced.has(table), partition: partitions.has(table) };
}
