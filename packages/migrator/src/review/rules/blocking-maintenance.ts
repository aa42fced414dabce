import { arrayField, isObject, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** `LOCK … IN <mode> MODE`, by the number the parser gives (SHARE and stronger block writes). */
const LOCK_MODES: Record<number, string> = {
  5: "SHARE",
  6: "SHARE ROW EXCLUSIVE",
  7: "EXCLUSIVE",
  8: "ACCESS EXCLUSIVE",
};

const hasOption = (options: unknown[], name: string) =>
  options.some((option) => stringField(nodeOf(option, "DefElem"), "defname") === name);

/** What the statement does to which tables, in words; nothing for a statement that is not blocking maintenance. */
function blockingWork(type: string, node: Record<string, unknown>): { tables: string[]; does: string }[] {
  switch (type) {
    case "VacuumStmt": {
      if (node["is_vacuumcmd"] !== true || !hasOption(arrayField(node, "options"), "full")) return [];
      const tables = arrayField(node, "rels").map((rel) =>
        tableName(objectField(nodeOf(rel, "VacuumRelation"), "relation")),
      );
      return [
        {
          tables,
          does: "VACUUM FULL rewrites it under an ACCESS EXCLUSIVE lock: no query reads or writes it until it ends",
        },
      ];
    }
    case "ClusterStmt": {
      const relation = objectField(node, "relation");
      if (!relation) return [];
      return [
        {
          tables: [tableName(relation)],
          does: "CLUSTER rewrites it under an ACCESS EXCLUSIVE lock: no query reads or writes it until it ends",
        },
      ];
    }
    case "ReindexStmt": {
      if (hasOption(arrayField(node, "params"), "concurrently")) return [];
      const kind = stringField(node, "kind");
      if (kind !== "REINDEX_OBJECT_TABLE") return [];
      return [
        {
          tables: [tableName(objectField(node, "relation"))],
          does: "REINDEX without CONCURRENTLY blocks its writes (and the reads that use its indexes) until it ends",
        },
      ];
    }
    case "AlterTableStmt": {
      const subtypes = arrayField(node, "cmds").map((cmd) => stringField(nodeOf(cmd, "AlterTableCmd"), "subtype"));
      const table = tableName(objectField(node, "relation"));
      if (subtypes.includes("AT_SetLogged") || subtypes.includes("AT_SetUnLogged"))
        return [
          {
            tables: [table],
            does: "SET LOGGED/UNLOGGED rewrites it under an ACCESS EXCLUSIVE lock: no query reads or writes it until it ends",
          },
        ];
      if (subtypes.includes("AT_SetTableSpace"))
        return [
          {
            tables: [table],
            does: "SET TABLESPACE copies it under an ACCESS EXCLUSIVE lock: no query reads or writes it until it ends",
          },
        ];
      return [];
    }
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
    return blockingWork(unit.type, unit.node).flatMap(({ tables, does }): RuleHit[] => {
      const existing = tables.filter((table) => state.existedBefore(table, migration.file));
      if (existing.length === 0) return [];
      return [
        {
          statement,
          position: unitPosition(migration, unit),
          message: `${existing.map((t) => `"${t}"`).join(", ")} existed before this migration: ${does}`,
        },
      ];
    });
  },
};
