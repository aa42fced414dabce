import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const review = (sql: string, history: string[] = []) => reviewExample({ history, sql }, "rls-not-enabled");

describe("rls-not-enabled", () => {
  it("flags a tenant table without ENABLE ROW LEVEL SECURITY, at its CREATE TABLE", async () => {
    const sql =
      'CREATE TYPE "public"."skill_execution_status" AS ENUM(\'running\');--> statement-breakpoint\nCREATE TABLE "skill_execution" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);';
    const findings = await review(sql);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, column: 1 });
    expect(findings[0]?.message).toContain('tenant table "skill_execution" (has "organization_id")');
  });

  it("flags a partition of a tenant table: the parent's row-level security does not cover it when queried directly", async () => {
    const history = [
      'CREATE TABLE "ai_usage" ("id" text NOT NULL, "organization_id" text NOT NULL, "created_at" timestamptz NOT NULL) PARTITION BY RANGE ("created_at");--> statement-breakpoint\nALTER TABLE "ai_usage" ENABLE ROW LEVEL SECURITY;',
    ];
    const partition = `CREATE TABLE "ai_usage_2026" PARTITION OF "ai_usage" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`;
    expect((await review(partition, history)).map((f) => f.message)).toEqual([
      expect.stringContaining('tenant table "ai_usage_2026" (has "organization_id")'),
    ]);
    expect(
      await review(
        `${partition}--> statement-breakpoint\nALTER TABLE "ai_usage_2026" ENABLE ROW LEVEL SECURITY;`,
        history,
      ),
    ).toEqual([]);
  });

  it("flags an existing tenant table whose row-level security is turned off, at the DISABLE, whatever its policies", async () => {
    const history = [
      'CREATE TABLE "ai_usage" ("id" text PRIMARY KEY NOT NULL, "organization_id" text NOT NULL);--> statement-breakpoint\nALTER TABLE "ai_usage" ENABLE ROW LEVEL SECURITY;',
    ];
    const sql =
      'ALTER TABLE "ai_usage" ADD COLUMN "note" text;--> statement-breakpoint\nALTER TABLE "ai_usage" DISABLE ROW LEVEL SECURITY;';
    expect((await review(sql, history)).map((f) => [f.line, f.message])).toEqual([
      [
        2,
        expect.stringContaining(
          'tenant table "ai_usage" (has "organization_id") has its row-level security turned off here',
        ),
      ],
    ]);
    expect(
      await review(`${sql}--> statement-breakpoint\nALTER TABLE "ai_usage" ENABLE ROW LEVEL SECURITY;`, history),
    ).toEqual([]);
  });

  it("ignores tables without the tenant column", async () => {
    expect(await review('CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);')).toEqual([]);
  });

  it("flags an existing table that gains the tenant column without RLS", async () => {
    const history = ['CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
    const findings = await review('ALTER TABLE "ai_model" ADD COLUMN "organization_id" text;', history);
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('"ai_model"')]);
  });

  it("says nothing to a project that is not multi-tenant (no tenantColumn in its config)", async () => {
    const sql =
      'CREATE TABLE "skill_execution" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);';
    const findings = await reviewExample({ sql }, undefined, { rules: {} });
    expect(findings.filter((f) => f.rule.startsWith("rls-"))).toEqual([]);
  });

  it("flags a tenant table the migration creates in place of one of that name (dropped, renamed aside, or swapped in by RENAME)", async () => {
    const columns = '("id" text PRIMARY KEY NOT NULL, "organization_id" text NOT NULL)';
    const history = [
      `CREATE TABLE "document" ${columns};--> statement-breakpoint\nALTER TABLE "document" ENABLE ROW LEVEL SECURITY;`,
    ];
    const lines = async (sql: string, from = history) => (await review(sql, from)).map((f) => [f.line, f.message]);
    const flagged = (line: number) => [
      [line, expect.stringContaining('tenant table "document" (has "organization_id")')],
    ];
    expect(await lines(`DROP TABLE "document";--> statement-breakpoint\nCREATE TABLE "document" ${columns};`)).toEqual(
      flagged(2),
    );
    expect(
      await lines(
        `ALTER TABLE "document" RENAME TO "document_old";--> statement-breakpoint\nCREATE TABLE "document" ${columns};`,
      ),
    ).toEqual(flagged(2));
    const swap = `CREATE TABLE "document_new" ${columns};--> statement-breakpoint\nDROP TABLE "document";--> statement-breakpoint\nALTER TABLE "document_new" RENAME TO "document";`;
    expect(await lines(swap)).toEqual(flagged(3));
    expect(
      await lines(
        `CREATE TABLE "document_new" ${columns};--> statement-breakpoint\nALTER TABLE "document_new" RENAME TO "document";`,
        [],
      ),
    ).toEqual(flagged(2));
    // The existing table renamed keeps its row-level security; created again with it, nothing to report.
    expect(await lines('ALTER TABLE "document" RENAME TO "document_v1";')).toEqual([]);
    expect(
      await lines(
        `DROP TABLE "document";--> statement-breakpoint\nCREATE TABLE "document" ${columns};--> statement-breakpoint\nALTER TABLE "document" ENABLE ROW LEVEL SECURITY;`,
      ),
    ).toEqual([]);
  });
});
