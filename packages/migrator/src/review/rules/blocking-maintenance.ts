import { arrayField, isObject, nodeOf, objectField, optionOn, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** `LOCK … IN <mode> MODE`, by the number the parser gives (SHARE and stronger block writes). */
const LOCK_MODES: Record<number, string> = {
  5: "SHARE",
  6: "SHARE ROW EXCLUSIVE",
  7: "EXCLUSIVE",
  8: "ACCESS EXCLUSIVE",
};

/**
 * What the statement does, in words, and to which tables; `everywhere` names what it does to
 * objects the review cannot tie to one existing table (every table, a schema, an index), reported
 * whatever the schema holds. Nothing for a statement that is not blocking maintenance.
 */
function blockingWork(
  type: string,
  node: Record<string, unknown>,
): { tables: string[]; everywhere?: string; does: string }[] {
  const rewrite = "under an ACCESS EXCLUSIVE lock: no query reads or writes it until it ends";
  switch (type) {
    case "VacuumStmt": {
      if (node["is_vacuumcmd"] !== true || !optionOn(arrayField(node, "options"), "full")) return [];
      const tables = arrayField(node, "rels").map((rel) =>
        tableName(objectField(nodeOf(rel, "VacuumRelation"), "relation")),
      );
      const does = `VACUUM FULL rewrites it ${rewrite}`;
      return [tables.length > 0 ? { tables, does } : { tables, everywhere: "every table of the database", does }];
    }
    case "ClusterStmt": {
      const relation = objectField(node, "relation");
      const does = `CLUSTER rewrites it ${rewrite}`;
      return [
        relation
          ? { tables: [tableName(relation)], does }
          : { tables: [], everywhere: "every table clustered before", does },
      ];
    }
    case "ReindexStmt": {
      if (optionOn(arrayField(node, "params"), "concurrently")) return [];
      const does = "REINDEX without CONCURRENTLY blocks its writes (and the reads that use its indexes) until it ends";
      const kind = stringField(node, "kind");
      const relation = objectField(node, "relation");
      if (kind === "REINDEX_OBJECT_TABLE") return [{ tables: [tableName(relation)], does }];
      if (kind === "REINDEX_OBJECT_INDEX")
        return [{ tables: [], everywhere: `the table of index "${stringField(relation, "relname") ?? ""}"`, does }];
      return [
        {
          tables: [],
          everywhere: `every table of ${(kind ?? "").replace("REINDEX_OBJECT_", "").toLowerCase()} "${stringField(node, "name") ?? ""}"`,
          does,
        },
      ];
    }
    case "AlterTableStmt": {
      const subtypes = arrayField(node, "cmds").map((cmd) => stringField(nodeOf(cmd, "AlterTableCmd"), "subtype"));
      const relation = objectField(node, "relation");
      if (stringField(node, "objtype") === "OBJECT_INDEX")
        return subtypes.includes("AT_SetTableSpace")
          ? [
              {
                tables: [],
                everywhere: `the table of index "${stringField(relation, "relname") ?? ""}"`,
                does: `SET TABLESPACE copies the index ${rewrite}`,
              },
            ]
          : [];
      const table = tableName(relation);
      if (subtypes.includes("AT_SetLogged") || subtypes.includes("AT_SetUnLogged"))
        return [{ tables: [table], does: `SET LOGGED/UNLOGGED rewrites it ${rewrite}` }];
      if (subtypes.includes("AT_SetAccessMethod"))
        return [{ tables: [table], does: `SET ACCESS METHOD rewrites it ${rewrite}` }];
      if (subtypes.includes("AT_SetTableSpace"))
        return [{ tables: [table], does: `SET TABLESPACE copies it ${rewrite}` }];
      return [];
    }
    case "AlterTableMoveAllStmt":
      return [
        {
          tables: [],
          everywhere: `every table of tablespace "${stringField(node, "orig_tablespacename") ?? ""}"`,
          does: `SET TABLESPACE copies it ${rewrite}`,
        },
      ];
    case "LockStmt": {
      const mode = LOCK_MODES[typeof node["mode"] === "number" ? node["mode"] : 0];
      if (!mode) return [];
      const tables = arrayField(node, "relations").map((relation) => tableName(nodeOf(relation, "RangeVar")));
      const waits = mode === "ACCESS EXCLUSIVE" ? "every query on it waits" : "every write to it waits";
      return [{ tables, does: `LOCK … IN ${mode} MODE: ${waits} until the migration commits` }];
    }
    default:
      return [];
  }
}

/** Maintenance statements that lock an existing table for their whole run (or the migration's). */
export const blockingMaintenance: Rule = {
  id: "blocking-maintenance",
  defaultSeverity: "error",
  source: "static",
  summary:
    "VACUUM FULL, CLUSTER, REINDEX without CONCURRENTLY, SET LOGGED/UNLOGGED/TABLESPACE or LOCK TABLE on an existing table",
  explanation:
    "These statements take a lock that stops the application's queries on a table that holds rows, for as long as " +
    "they run (a rewrite takes time proportional to the table) or, for LOCK TABLE, until the migration commits. " +
    "They belong in a maintenance window or in a form that does not block: REINDEX CONCURRENTLY, pg_repack, or a " +
    "narrower lock.",
  help: "Run the maintenance outside the deploy (or REINDEX CONCURRENTLY in a `-- migrator:no-transaction` migration); if the lock is intended, accept it with `-- review-ignore blocking-maintenance: <why the wait is acceptable>`.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: 'VACUUM FULL "ai_usage";',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: '-- migrator:no-transaction\nREINDEX TABLE CONCURRENTLY "ai_usage";',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    if (!isObject(unit.node)) return [];
    return blockingWork(unit.type, unit.node).flatMap(({ tables, everywhere, does }): RuleHit[] => {
      const existing = tables.filter((table) => state.existedBefore(table, migration.file));
      if (existing.length === 0 && !everywhere) return [];
      const what = everywhere ?? `${existing.map((t) => `"${t}"`).join(", ")} existed before this migration`;
      return [{ statement, position: unitPosition(migration, unit), message: `${what}: ${does}` }];
    });
  },
};
