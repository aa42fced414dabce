import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "fk-on-delete");
const fk = (action: string) =>
  `ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ${action} ON UPDATE no action;`;
const table =
  'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);\n--> statement-breakpoint\n';

describe("fk-on-delete", () => {
  it("flags no action and restrict, at the constraint", async () => {
    const findings = await review(`${table}${fk("ON DELETE no action")}`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, column: 28 });
    expect(findings[0]?.message).toContain('"ai_usage"("user_id") → "user" has ON DELETE no action');
    expect(await review(`${table}${fk("ON DELETE restrict")}`)).toHaveLength(1);
  });

  it("flags an inline REFERENCES without ON DELETE", async () => {
    const findings = await review(
      'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text REFERENCES "user"("id")\n);',
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([[3, expect.stringContaining('"ai_usage"("user_id")')]]);
  });

  it("passes cascade and set null", async () => {
    expect(await review(`${table}${fk("ON DELETE cascade")}`)).toEqual([]);
    expect(await review(`${table}${fk("ON DELETE set null")}`)).toEqual([]);
  });

  it("accepts an intended exception suppressed with its reason", async () => {
    const sql = `${table}-- review-ignore fk-on-delete: usage must survive for billing\n${fk("ON DELETE no action")}`;
    expect(await reviewExample({ history, sql }, undefined, { ...EXAMPLE_CONFIG, guardBaseline: "9999" })).toEqual([]);
  });
});
