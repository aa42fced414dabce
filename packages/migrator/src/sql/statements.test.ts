import { describe, expect, it } from "vitest";
import { runsOutsideTransaction, splitStatements } from "./statements.ts";

describe("splitStatements", () => {
  it("splits on Drizzle's breakpoint and keeps each statement's starting line", () => {
    const file = [
      "-- TRO-58: header comment",
      'ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "correlation_id" uuid',
      "DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint",
      'ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "embedding_count" integer;--> statement-breakpoint',
      'CREATE INDEX IF NOT EXISTS "ai_usage_correlationId_idx"',
      'ON "ai_usage" USING btree ("correlation_id");',
    ].join("\n");
    const statements = splitStatements(file);
    expect(statements.map((s) => [s.index, s.line])).toEqual([
      [1, 1],
      [2, 4],
      [3, 5],
    ]);
    expect(statements[0]?.sql.startsWith("-- TRO-58")).toBe(true);
    expect(statements[2]?.sql).toBe(
      'CREATE INDEX IF NOT EXISTS "ai_usage_correlationId_idx"\nON "ai_usage" USING btree ("correlation_id");',
    );
  });

  it("skips chunks that hold only comments or white space", () => {
    const statements = splitStatements(
      "SELECT 1;--> statement-breakpoint\n-- just a note\n--> statement-breakpoint\n\nSELECT 2;\n",
    );
    expect(statements.map((s) => [s.sql, s.line])).toEqual([
      ["SELECT 1;", 1],
      ["SELECT 2;", 5],
    ]);
  });

  it("ends a comment line at a carriage return, as PostgreSQL does: a CR-only file's code is not a comment", () => {
    const statements = splitStatements(
      "-- add a table\rCREATE TABLE cr_t (id int);--> statement-breakpoint\r-- note\r\r-- only\r--> statement-breakpoint\r\nSELECT 2;\r",
    );
    expect(statements.map((s) => [s.sql, s.line])).toEqual([
      ["-- add a table\rCREATE TABLE cr_t (id int);", 1],
      ["SELECT 2;", 7],
    ]);
  });
});

describe("runsOutsideTransaction", () => {
  it("is true only when the directive is the first line", () => {
    expect(runsOutsideTransaction("-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY x ON t (a);")).toBe(true);
    expect(runsOutsideTransaction("SELECT 1;\n-- migrator:no-transaction")).toBe(false);
    expect(runsOutsideTransaction("-- migrator:no-transaction\rCREATE INDEX CONCURRENTLY x ON t (a);")).toBe(true);
  });
});
