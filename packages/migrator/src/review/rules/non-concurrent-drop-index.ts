import { arrayField, objectNameList, stringField } from "../../sql/ast.ts";
import { tableNameOfQualified } from "../object-names.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { quotedPath } from "./migration-objects.ts";

/** `public.t` → `"t"`, `app.t` → `"app"."t"`: a table as the migration would usually write it. */
function tableLabel(qualified: string): string {
  const [schema = "", ...rest] = qualified.split(".");
  return schema === "public" ? quotedPath([rest.join(".")]) : quotedPath([schema, rest.join(".")]);
}

/** A plain DROP INDEX on a table in use queues every query on that table while it waits for its lock. */
export const nonConcurrentDropIndex: Rule = {
  id: "non-concurrent-drop-index",
  defaultSeverity: "warning",
  source: "static",
  summary: "DROP INDEX without CONCURRENTLY on a table that already existed",
  explanation:
    "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. It waits for every transaction that " +
    "uses the table, and while it waits every later query on the table, plain SELECTs included, queues behind it: " +
    "one long transaction stalls the application (the stall `lock_timeout` guards against). Inside the runner's " +
    "transaction the lock is then held until the migration commits. `DROP INDEX CONCURRENTLY` waits without " +
    "blocking anyone, but cannot run inside a transaction, drops one index per statement and cannot CASCADE. " +
    "Reported: an index of a table that existed before the migration, including an index the same migration built " +
    "on such a table (a helper index for a backfill: the drop still locks the table), and an index the reviewed " +
    "history never created (a name PostgreSQL made up, an index made outside the migrations): it is not the " +
    "migration's own, so its table existed before. Not reported: an index on a table the same migration created " +
    "(nobody uses it yet), and an index the migration already dropped (nothing is left to lock).",
  help: "Use `DROP INDEX CONCURRENTLY IF EXISTS …`, one index per statement, in a migration whose first line is `-- migrator:no-transaction`.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
      ],
      sql: 'DROP INDEX "ai_usage_correlationId_idx";',
    },
    passing: {
      history: [
        'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
      ],
      sql: '-- migrator:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_correlationId_idx";',
    },
  },
  checkUnit({ migration, statement, unit, state, before }) {
    const { node } = unit;
    if (unit.type !== "DropStmt" || stringField(node, "removeType") !== "OBJECT_INDEX") return [];
    if (node["concurrent"] === true) return [];
    const objects = arrayField(node, "objects");
    const split = objects.length > 1 ? "; CONCURRENTLY drops one index per statement, so split this one" : "";
    return objects.flatMap((object): RuleHit[] => {
      const path = objectNameList(object);
      const index = state.objectNames().indexNamed(path);
      let where: string;
      if (index) {
        const table = tableNameOfQualified(index.table);
        const existed = index.origin.file !== migration.file || state.existedBefore(table, migration.file);
        if (!existed) return [];
        where = `locks the existing table ${tableLabel(index.table)}`;
      } else {
        // Dropped already by this migration: nothing is left to lock.
        if (before.objectNames().indexNamed(path)) return [];
        where =
          "locks its table (the migrations reviewed never created this index, so it and its table existed before)";
      }
      return [
        {
          statement,
          position: unitPosition(migration, unit),
          message: `DROP INDEX ${quotedPath(path)} without CONCURRENTLY ${where} with ACCESS EXCLUSIVE: while it waits for a running transaction, every query on the table queues behind it${split}`,
        },
      ];
    });
  },
};
