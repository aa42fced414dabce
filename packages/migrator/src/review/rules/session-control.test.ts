import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "note" ("body" text);'];
const review = (sql: string) => reviewExample({ history, sql }, "session-control");
const messages = async (sql: string) => (await review(sql)).map((f) => f.message);

describe("session-control", () => {
  it("reports each statement db:migrate refuses, in a DO block too", async () => {
    expect(await messages("SELECT pg_advisory_unlock_all();")).toEqual([
      "pg_advisory_unlock_all() releases the runner's advisory lock in the middle of a run: db:migrate refuses this migration",
    ]);
    expect(await messages("DO $$ BEGIN\n  DISCARD ALL;\nEND $$;")).toHaveLength(1);
    // PERFORM is how PL/pgSQL calls a function for its effect.
    expect(await messages("DO $$ BEGIN\n  PERFORM pg_advisory_unlock_all();\nEND $$;")).toEqual([
      "pg_advisory_unlock_all() releases the runner's advisory lock in the middle of a run: db:migrate refuses this migration",
    ]);
    expect(await messages("SET standard_conforming_strings = off;")).toEqual([
      "turns standard_conforming_strings off: the server would read backslashes in strings as escapes, the runner's parser does not, so db:migrate refuses this migration",
    ]);
    expect(await messages("SELECT set_config('standard_conforming_strings', 'off', true);")).toHaveLength(1);
  });

  it("reports a PERFORM inside a DO block at the PERFORM's line", async () => {
    const findings = await review(
      "DO $$ BEGIN\n  RAISE NOTICE 'tidying';\n  PERFORM pg_advisory_unlock_all();\nEND $$;",
    );
    expect(findings.map((f) => [f.line, f.column])).toEqual([[3, 3]]);
  });

  it("passes what leaves the runner's session alone", async () => {
    expect(await review("SET standard_conforming_strings = on;")).toEqual([]);
    expect(await review("SELECT pg_advisory_unlock(42);")).toEqual([]);
    expect(await review("DISCARD TEMP;")).toEqual([]);
  });

  it("is reported at its own statement, so a suppression above another statement of the chunk does not hide it", async () => {
    const sql = "-- review-ignore session-control: the SELECT is harmless\nSELECT 1;\nDISCARD ALL;";
    const findings = await reviewExample({ history, sql });
    expect(findings.filter((f) => f.rule !== "manual-addition-header").map((f) => [f.rule, f.line])).toEqual([
      ["session-control", 3],
      ["unused-suppression", 1],
    ]);
  });

  it("reports what hides the setting's name or changes it through pg_settings", async () => {
    expect(await messages("SELECT set_config('standard_conforming_strings'::text, 'off', false);")).toHaveLength(1);
    expect(await messages("SELECT set_config(lower('STANDARD_CONFORMING_STRINGS'), 'off', false);")).toHaveLength(1);
    expect(
      await messages("UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings';"),
    ).toHaveLength(1);
  });
});
