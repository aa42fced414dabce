import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const review = (sql: string) => reviewExample({ sql }, "identifier-too-long");

describe("identifier-too-long", () => {
  it("counts bytes, not characters: 40 accented letters are 80 bytes", async () => {
    const name = "é".repeat(40);
    const findings = await review(`CREATE TABLE "${name}" (\n\t"id" text PRIMARY KEY NOT NULL\n);`);
    expect(findings.map((f) => [f.line, f.column, f.message])).toEqual([
      [1, 14, `identifier "${name}" is 80 bytes: PostgreSQL keeps only the first 63, "${"é".repeat(31)}"`],
    ]);
  });

  it("checks every kind of identifier, inside DO blocks too, each name once per statement", async () => {
    const long = (what: string) => `${what}_${"x".repeat(64 - what.length)}`;
    const sql = [
      `CREATE TABLE "plan" (\n\t"${long("column")}" text,\n\tCONSTRAINT "${long("check")}" CHECK ("${long("column")}" <> '')\n);`,
      `DO $$ BEGIN\n  CREATE POLICY "${long("policy")}" ON "plan" USING (true);\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
      `CREATE TYPE ${long("enum").toUpperCase()} AS ENUM ('a');`,
    ].join("--> statement-breakpoint\n");
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.message.split(" is ")[0]])).toEqual([
      [2, `identifier "${long("column")}"`],
      [3, `identifier "${long("check")}"`],
      [6, `identifier "${long("policy")}"`],
      [9, `identifier "${long("enum")}"`],
    ]);
  });

  it("finds a name of 4-byte characters that the lexer cuts to 60 bytes", async () => {
    const name = "😀".repeat(16);
    const findings = await review(`ALTER TABLE "plan" RENAME COLUMN "id" TO "${name}";`);
    expect(findings.map((f) => f.message)).toEqual([
      `identifier "${name}" is 64 bytes: PostgreSQL keeps only the first 63, "${"😀".repeat(15)}"`,
    ]);
  });

  it("passes a name of exactly 63 bytes", async () => {
    expect(await review(`CREATE INDEX "${"i".repeat(63)}" ON "plan" ("id");`)).toEqual([]);
  });
});
