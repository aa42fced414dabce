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

  describe("tables made from a tenant table hold its rows' tenant column, but none of its row-level security", () => {
    const history = [
      'CREATE TABLE "document" ("id" text PRIMARY KEY NOT NULL, "organization_id" text NOT NULL, "body" text);--> statement-breakpoint\nALTER TABLE "document" ENABLE ROW LEVEL SECURITY;',
    ];
    const lines = async (sql: string) => (await review(sql, history)).map((f) => [f.line, f.message]);
    const flagged = (table: string, line = 1) => [
      [
        line,
        expect.stringContaining(
          `tenant table "${table}" (has "organization_id") is created without ENABLE ROW LEVEL SECURITY`,
        ),
      ],
    ];
    const enabled = (sql: string, table: string) =>
      `${sql}--> statement-breakpoint\nALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY;`;

    it("flags CREATE TABLE … (LIKE t), with or without INCLUDING ALL", async () => {
      expect(await lines('CREATE TABLE "document_copy" (LIKE "document" INCLUDING ALL);')).toEqual(
        flagged("document_copy"),
      );
      expect(await lines('CREATE TABLE "document_copy" ("note" text, LIKE "document");')).toEqual(
        flagged("document_copy"),
      );
      expect(
        await lines(enabled('CREATE TABLE "document_copy" (LIKE "document" INCLUDING ALL);', "document_copy")),
      ).toEqual([]);
    });

    it("flags CREATE TABLE … AS and SELECT … INTO whose columns include the tenant column", async () => {
      for (const sql of [
        'CREATE TABLE "document_copy" AS SELECT * FROM "document";',
        'CREATE TABLE "document_copy" AS TABLE "document";',
        'SELECT * INTO "document_copy" FROM "document";',
        'SELECT * INTO "document_copy" FROM "document" UNION ALL SELECT * FROM "document";',
        'CREATE TABLE "document_copy" AS SELECT "d"."id", "d"."organization_id" FROM "document" "d" WITH NO DATA;',
        'CREATE TABLE "document_copy" AS SELECT "d".* FROM "document" "d" JOIN (SELECT 1 AS "n") "s" ON true;',
        'CREATE TABLE "document_copy" ("id", "organization_id") AS SELECT "id", "body" FROM "document";',
        'CREATE TABLE "document_copy" AS WITH "w" AS (SELECT * FROM "document") SELECT * FROM "w";',
      ]) {
        expect(await lines(sql), sql).toEqual(flagged("document_copy"));
        expect(await lines(enabled(sql, "document_copy")), sql).toEqual([]);
      }
    });

    it("passes a query's table without the tenant column", async () => {
      expect(await lines('CREATE TABLE "document_ids" AS SELECT "id", "body" FROM "document";')).toEqual([]);
      expect(await lines('CREATE TABLE "document_ids" ("ref") AS SELECT "organization_id" FROM "document";')).toEqual(
        [],
      );
      expect(await lines('SELECT count(*) INTO "document_count" FROM "document";')).toEqual([]);
    });

    it("takes a query whose columns cannot be read to have every column of the tables it reads", async () => {
      const sql = 'CREATE TABLE "document_rows" AS SELECT * FROM "document", generate_series(1, 2) AS "g";';
      expect(await lines(sql)).toEqual(flagged("document_rows"));
    });

    it("passes a temporary table, a copy or not: it goes with the migration's session, holding no tenant's rows after it", async () => {
      for (const sql of [
        'CREATE TEMP TABLE "scratch" AS SELECT * FROM "document";',
        'CREATE TEMPORARY TABLE "scratch" (LIKE "document");',
        'SELECT * INTO TEMP "scratch" FROM "document";',
        'CREATE TEMP TABLE "scratch" ("organization_id" text);',
      ]) {
        const findings = await reviewExample({ history, sql });
        expect(
          findings.filter((f) => f.rule.startsWith("rls-")),
          sql,
        ).toEqual([]);
      }
    });

    it("flags a child table (INHERITS): the parent's row-level security does not cover it when queried directly", async () => {
      expect(await lines('CREATE TABLE "document_archive" () INHERITS ("document");')).toEqual(
        flagged("document_archive"),
      );
    });
  });

  it("does not take FORCE ROW LEVEL SECURITY for ENABLE: forced alone, row-level security stays off", async () => {
    const sql =
      'CREATE TABLE "skill_execution" ("id" text PRIMARY KEY NOT NULL, "organization_id" text NOT NULL);--> statement-breakpoint\nALTER TABLE "skill_execution" FORCE ROW LEVEL SECURITY;';
    expect((await review(sql)).map((f) => f.message)).toEqual([
      expect.stringContaining('tenant table "skill_execution" (has "organization_id") is created without ENABLE'),
    ]);
    expect(
      await review(`${sql}--> statement-breakpoint\nALTER TABLE "skill_execution" ENABLE ROW LEVEL SECURITY;`),
    ).toEqual([]);
  });
});
