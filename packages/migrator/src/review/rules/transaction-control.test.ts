import { describe, expect, it } from "vitest";
import { corpusStatement } from "../testing/corpus-histories.ts";
import { reviewExample } from "../testing/review-example.ts";

const review = (sql: string) => reviewExample({ sql }, "transaction-control");

describe("transaction-control", () => {
  it("flags giselle 0045's own BEGIN … COMMIT around the whole file, at each", async () => {
    const file = corpusStatement("giselles-ai__giselle", "0045_brown_spitfire", "BEGIN;");
    const findings = await review(file);
    expect(findings.map((f) => `${f.line} ${f.message.split(" ")[0]}`)).toEqual(["1 BEGIN", "47 COMMIT"]);
    expect(findings[1]?.message).toBe(
      "COMMIT ends the transaction the runner applies this migration in: what follows runs outside it, and a failure there leaves the migration half-applied and unrecorded",
    );
  });

  it("passes COMMIT inside a procedure's body or a DO block, and savepoints (sim 0220's batched backfill)", async () => {
    const procedure = corpusStatement(
      "simstudioai__sim",
      "0220_early_hellion",
      "CREATE OR REPLACE PROCEDURE backfill_wel_cost_total_0220()",
    );
    expect(procedure).toContain("COMMIT;");
    const sql = [
      procedure,
      "DO $$ BEGIN PERFORM 1; COMMIT; END $$;",
      "SAVEPOINT before_backfill;",
      "RELEASE SAVEPOINT before_backfill;",
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("passes transaction control in a migration that runs outside a transaction", async () => {
    expect(await review("-- migrator:no-transaction\nBEGIN;--> statement-breakpoint\nCOMMIT;")).toEqual([]);
  });
});
