import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "volatile-default-rewrite");
const orders = ['CREATE TABLE "orders" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const reviewOrders = (sql: string) => reviewExample({ history: orders, sql }, "volatile-default-rewrite");

describe("volatile-default-rewrite", () => {
  it("flags 0008's statement, guarded and split over two lines, at the function call", async () => {
    const sql =
      '-- TRO-58\nALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "correlation_id" uuid\nDEFAULT gen_random_uuid() NOT NULL;';
    const findings = await review(sql);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3, column: 9, severity: "error" });
  });

  it("passes a stable default such as now()", async () => {
    expect(
      await review('ALTER TABLE "ai_usage" ADD COLUMN "billed_at" timestamp with time zone DEFAULT now() NOT NULL;'),
    ).toEqual([]);
  });

  it("passes a volatile default on a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;';
    expect(await review(sql)).toEqual([]);
  });

  describe("extension functions", () => {
    it("flags pgcrypto's gen_random_bytes(), schema-qualified as Supabase installs it, naming the extension", async () => {
      const findings = await reviewOrders(
        'ALTER TABLE "orders" ADD COLUMN "token" bytea DEFAULT extensions.gen_random_bytes(16);',
      );
      expect(findings.map((finding) => finding.message)).toEqual([
        '"orders"."token" gets the volatile default gen_random_bytes() (pgcrypto): the existing table "orders" is rewritten under an ACCESS EXCLUSIVE lock',
      ]);
    });

    it("flags uuid-ossp's uuid_generate_v1mc() and uuid_generate_v4()", async () => {
      const sql =
        'ALTER TABLE "orders" ADD COLUMN "ulid" uuid DEFAULT uuid_generate_v1mc();\n--> statement-breakpoint\n' +
        'ALTER TABLE "orders" ADD COLUMN "ref" uuid DEFAULT uuid_generate_v4() NOT NULL;';
      const findings = await reviewOrders(sql);
      expect(findings.map((finding) => [finding.line, finding.message])).toEqual([
        [
          1,
          '"orders"."ulid" gets the volatile default uuid_generate_v1mc() (uuid-ossp): the existing table "orders" is rewritten under an ACCESS EXCLUSIVE lock',
        ],
        [
          3,
          '"orders"."ref" gets the volatile default uuid_generate_v4() (uuid-ossp): the existing table "orders" is rewritten under an ACCESS EXCLUSIVE lock',
        ],
      ]);
    });

    it("passes their immutable functions: digest(), crypt(), uuid_generate_v5()", async () => {
      const sql =
        "ALTER TABLE \"orders\" ADD COLUMN \"checksum\" bytea DEFAULT digest('', 'sha256');\n--> statement-breakpoint\n" +
        "ALTER TABLE \"orders\" ADD COLUMN \"pin\" text DEFAULT crypt('0000', '$1$fixed');\n--> statement-breakpoint\n" +
        'ALTER TABLE "orders" ADD COLUMN "ns" uuid DEFAULT uuid_generate_v5(uuid_ns_url(), \'https://example.com\');';
      expect(await reviewOrders(sql)).toEqual([]);
    });
  });

  describe("functions the migration creates", () => {
    const nanoid = (volatility: string) =>
      `CREATE OR REPLACE FUNCTION nanoid() RETURNS text LANGUAGE sql ${volatility}AS $$ SELECT md5(random()::text) $$;\n--> statement-breakpoint\n`;
    const addPublicId = 'ALTER TABLE "orders" ADD COLUMN "public_id" text DEFAULT nanoid() NOT NULL;';

    it("flags one created without IMMUTABLE or STABLE: PostgreSQL makes it VOLATILE", async () => {
      const findings = await reviewOrders(nanoid("") + addPublicId);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        line: 3,
        column: 58,
        message:
          '"orders"."public_id" gets the volatile default nanoid() (this migration creates it without IMMUTABLE or STABLE, so it is VOLATILE): the existing table "orders" is rewritten under an ACCESS EXCLUSIVE lock',
      });
    });

    it("flags one declared VOLATILE by an ALTER FUNCTION after it was created STABLE", async () => {
      const findings = await reviewOrders(
        nanoid("STABLE ") + "ALTER FUNCTION nanoid() VOLATILE;\n--> statement-breakpoint\n" + addPublicId,
      );
      expect(findings.map((finding) => finding.message)).toEqual([
        '"orders"."public_id" gets the volatile default nanoid() (this migration declares it VOLATILE): the existing table "orders" is rewritten under an ACCESS EXCLUSIVE lock',
      ]);
    });

    it("passes one declared IMMUTABLE or STABLE, also when CREATE OR REPLACE redeclares a volatile one", async () => {
      expect(await reviewOrders(nanoid("IMMUTABLE ") + addPublicId)).toEqual([]);
      expect(await reviewOrders(nanoid("") + nanoid("STABLE ") + addPublicId)).toEqual([]);
    });

    it("passes one created only by a later statement (the ALTER TABLE would fail first)", async () => {
      expect(await reviewOrders(addPublicId + "\n--> statement-breakpoint\n" + nanoid(""))).toEqual([]);
    });
  });

  it("passes built-in functions that are not volatile, such as md5() and to_char()", async () => {
    expect(
      await review(
        "ALTER TABLE \"ai_usage\" ADD COLUMN \"batch\" text DEFAULT to_char(now(), 'YYYY-MM') || md5('seed') NOT NULL;",
      ),
    ).toEqual([]);
  });
});
