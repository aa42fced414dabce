import { arrayField, stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** DROP INDEX CONCURRENTLY drops one index and cannot CASCADE: PostgreSQL refuses the statement otherwise. */
export const concurrentDropIndexForm: Rule = {
  id: "concurrent-drop-index-form",
  defaultSeverity: "error",
  source: "static",
  summary: "DROP INDEX CONCURRENTLY of several indexes, or with CASCADE",
  explanation:
    "PostgreSQL refuses `DROP INDEX CONCURRENTLY` of more than one index (`does not support dropping multiple " +
    "objects`) and with CASCADE (`does not support CASCADE`), so the migration fails on every database it is " +
    "deployed to. Adding CONCURRENTLY to a plain `DROP INDEX a, b` (as non-concurrent-drop-index asks) is not enough.",
  help: "One `DROP INDEX CONCURRENTLY IF EXISTS …` per index, without CASCADE (drop what depends on the index first).",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"model" text,\n\t"correlation_id" uuid\n);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_model_idx" ON "ai_usage" USING btree ("model");\n--> statement-breakpoint\nCREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
      ],
      sql: '-- migrator:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_model_idx", "ai_usage_correlationId_idx";',
    },
    passing: {
      history: [
        'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"model" text,\n\t"correlation_id" uuid\n);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_model_idx" ON "ai_usage" USING btree ("model");\n--> statement-breakpoint\nCREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
      ],
      sql: '-- migrator:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_model_idx";\n--> statement-breakpoint\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_correlationId_idx";',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (unit.type !== "DropStmt" || stringField(unit.node, "removeType") !== "OBJECT_INDEX") return [];
    if (unit.node["concurrent"] !== true) return [];
    const problems = [
      ...(arrayField(unit.node, "objects").length > 1 ? ["names several indexes"] : []),
      ...(stringField(unit.node, "behavior") === "DROP_CASCADE" ? ["has CASCADE"] : []),
    ];
    if (problems.length === 0) return [];
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: `DROP INDEX CONCURRENTLY ${problems.join(" and ")}: PostgreSQL refuses it, so every deploy of this migration fails`,
      },
    ];
  },
};
