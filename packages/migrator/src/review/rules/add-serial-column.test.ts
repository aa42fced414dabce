import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "plan_audit_log" (\n\t"event" text NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "add-serial-column");

describe("add-serial-column", () => {
  it("flags serial and identity columns added to an existing table", async () => {
    const sql =
      'ALTER TABLE "plan_audit_log" ADD COLUMN "seq" serial;--> statement-breakpoint\nALTER TABLE "plan_audit_log" ADD COLUMN "n" bigint GENERATED ALWAYS AS IDENTITY;';
    const findings = await review(sql);
    expect(findings.map((f) => f.message.split(":")[0])).toEqual([
      '"plan_audit_log"."seq" is added as a serial column',
      '"plan_audit_log"."n" is added as a identity column',
    ]);
  });

  it("passes a serial key on a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "plan_event" (\n\t"event" text NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "plan_event" ADD COLUMN "id" bigserial PRIMARY KEY;';
    expect(await review(sql)).toEqual([]);
  });
});
