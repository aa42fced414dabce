import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "currency" (\n\t"code" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "char-column");

describe("char-column", () => {
  it("flags character(n), an added column and a retyped one", async () => {
    const sql =
      'ALTER TABLE "currency" ADD COLUMN "symbol" character(1);--> statement-breakpoint\nALTER TABLE "currency" ALTER COLUMN "code" SET DATA TYPE char(3);';
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.message.split(" is")[0]])).toEqual([
      [1, '"currency"."symbol"'],
      [2, '"currency"."code"'],
    ]);
  });

  it('passes the one-byte "char" type and varchar', async () => {
    expect(
      await review(
        'ALTER TABLE "currency" ADD COLUMN "kind" "char";--> statement-breakpoint\nALTER TABLE "currency" ADD COLUMN "name" varchar(40);',
      ),
    ).toEqual([]);
  });
});
