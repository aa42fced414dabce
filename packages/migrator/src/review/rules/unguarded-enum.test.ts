import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

const history = ["CREATE TYPE \"public\".\"ai_provider\" AS ENUM('anthropic', 'openai');"];
const review = (sql: string, guardBaseline = EXAMPLE_CONFIG.guardBaseline) =>
  reviewExample({ history, sql }, "unguarded-enum", { ...EXAMPLE_CONFIG, guardBaseline });

describe("unguarded-enum", () => {
  it("flags ADD VALUE without IF NOT EXISTS", async () => {
    const findings = await review('ALTER TYPE "public"."ai_provider" ADD VALUE \'google\';');
    expect(findings.map((f) => f.message.split(":")[0])).toEqual(["ADD VALUE 'google' without IF NOT EXISTS"]);
  });

  it("names a RENAME VALUE as a rename, not as an ADD VALUE (it has no IF EXISTS to add)", async () => {
    const findings = await review("ALTER TYPE \"public\".\"ai_provider\" RENAME VALUE 'openai' TO 'open_ai';");
    expect(findings.map((f) => f.message)).toEqual([
      "RENAME VALUE 'openai' TO 'open_ai' (fails once renamed) outside a DO block that checks pg_enum: the migration fails when run a second time",
    ]);
  });

  it("passes ADD VALUE IF NOT EXISTS", async () => {
    expect(await review('ALTER TYPE "public"."ai_provider" ADD VALUE IF NOT EXISTS \'google\';')).toEqual([]);
  });

  it("flags an enum in a DO block that catches another error", async () => {
    const sql =
      'DO $$ BEGIN\n  CREATE TYPE "public"."ai_stop_reason" AS ENUM(\'end_turn\');\nEXCEPTION WHEN undefined_object THEN null;\nEND $$;';
    expect(await review(sql)).toHaveLength(1);
  });

  it("leaves migrations before the guard baseline alone", async () => {
    expect(await review('CREATE TYPE "public"."ai_stop_reason" AS ENUM(\'end_turn\');', "0200")).toEqual([]);
  });
});
