import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { routineBodyUses } from "./routine-body-uses.ts";

beforeAll(loadParser);

const plpgsql = (body: string) => `CREATE OR REPLACE FUNCTION public.f()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
${body}
$function$`;

describe("routineBodyUses", () => {
  it("names the tables a PL/pgSQL body reads and writes, the targets of INSERT, UPDATE and DELETE included", () => {
    const uses = routineBodyUses(
      plpgsql(`BEGIN
  INSERT INTO audit.log (organization_id, summary) VALUES (OLD.organization_id, (SELECT count(*) FROM plan_step));
  UPDATE research_plan SET title = 'x' WHERE id = OLD.plan_id;
  DELETE FROM note;
  CALL archive.sweep(1);
  RETURN OLD;
END`),
      "plpgsql",
    );
    expect(uses).toEqual({
      relations: ["audit.log", "note", "plan_step", "research_plan"],
      routines: ["archive.sweep", "count"],
    });
  });

  it("names nothing for a body that only sets the row's own fields", () => {
    expect(routineBodyUses(plpgsql("BEGIN NEW.updated_at := now(); RETURN NEW; END"), "plpgsql")).toEqual({
      relations: [],
      routines: ["now"],
    });
  });

  it("says what it cannot read: SQL run from a string, another language", () => {
    expect(routineBodyUses(plpgsql("BEGIN EXECUTE 'DELETE FROM note'; RETURN OLD; END"), "plpgsql").unread).toBe(
      "it runs SQL from strings (EXECUTE)",
    );
    expect(routineBodyUses("CREATE FUNCTION f() RETURNS trigger LANGUAGE c AS 'lib', 'f'", "c").unread).toBe(
      "it is written in c, which is not read",
    );
  });

  it("reads a SQL body, as a string or BEGIN ATOMIC", () => {
    expect(
      routineBodyUses("CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM s.t $$", "sql"),
    ).toEqual({ relations: ["s.t"], routines: ["count"] });
    expect(
      routineBodyUses("CREATE FUNCTION f() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END", "sql")
        .relations,
    ).toEqual(["t"]);
  });
});
