import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "./parse-migration.ts";
import { policyClauses } from "./policy-clauses.ts";

beforeAll(loadParser);

describe("policyClauses", () => {
  it("reads a CREATE POLICY's USING and WITH CHECK as written, without their parentheses", () => {
    expect(
      policyClauses(
        `CREATE POLICY "p" ON "t" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK (true)`,
      ),
    ).toEqual({ using: `"organization_id" = (SELECT current_setting('app.tenant_id', true))`, check: "true" });
  });

  it("gives only the clauses an ALTER POLICY has", () => {
    expect(policyClauses(`ALTER POLICY "p" ON "t" WITH CHECK ("organization_id" = 'x')`)).toEqual({
      check: `"organization_id" = 'x'`,
    });
    expect(policyClauses(`ALTER POLICY "p" ON "t" TO public`)).toEqual({});
  });

  it("ignores USING and WITH CHECK inside an expression, and parentheses in strings and comments", () => {
    const statement = `CREATE POLICY "p" ON "t" USING (EXISTS (SELECT 1 FROM "m" JOIN "u" USING ("id") WHERE "m"."note" = ')(' /* ) */))`;
    expect(policyClauses(statement)).toEqual({
      using: `EXISTS (SELECT 1 FROM "m" JOIN "u" USING ("id") WHERE "m"."note" = ')(' /* ) */)`,
    });
  });
});
