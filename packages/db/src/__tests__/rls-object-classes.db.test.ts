/**
 * `db:rls` judges every relation and routine the app roles can reach, not only tables with
 * `organization_id`: on the migrated schema every object has a class (tenant, user-scoped,
 * shared, unreachable), and each object that fits none (added below, one per kind of hole) is a
 * finding that names it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, type CoverageReport } from "@repo/migrator";
import { RLS_CONFIG } from "../project.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
let clean: CoverageReport;
let holed: CoverageReport;

const HOLES = `
  create table export_log (id text primary key, body text);
  grant select on account to authenticated;
  create view usage_report as select organization_id, model_id from ai_usage;
  create view safe_usage with (security_invoker = true) as select organization_id, model_id from ai_usage;
  create materialized view usage_by_org as select organization_id, count(*) as calls from ai_usage group by 1;
  create function usage_calls() returns bigint language sql security definer as 'select count(*) from ai_usage';
  create function plain_calls() returns bigint language sql as 'select count(*) from ai_usage';
  grant select on research_plan to anonymous;
  grant truncate on plan_step to authenticated;
  grant update on ai_model to authenticated;
  create table tenant_notes (id text primary key, organization_id text not null);
  alter table tenant_notes enable row level security;
  create policy tenant_notes_all on tenant_notes to public
    using (organization_id = (select current_setting('app.tenant_id', true)))
    with check (organization_id = (select current_setting('app.tenant_id', true)));
`;

beforeAll(async () => {
  t = await createTestDatabase();
  clean = await coverageReport(t.driver, RLS_CONFIG);
  await t.driver.exec(HOLES);
  holed = await coverageReport(t.driver, RLS_CONFIG);
});
afterAll(async () => {
  await t?.close();
});

const classOf = (report: CoverageReport, name: string) => report.matrix.objects.find((o) => o.name === name)?.class;
const findingsOn = (report: CoverageReport, name: string) =>
  report.matrix.findings.filter((f) => f.table === name).map((f) => f.code);

describe("the migrated schema", () => {
  it("has a class for every object and no finding", () => {
    expect(clean.matrix.findings).toEqual([]);
    expect(clean.matrix.warnings).toEqual([]);
    expect(clean.matrix.objects.filter((o) => o.class === "unclassified")).toEqual([]);
    const tables = Object.fromEntries(
      clean.matrix.objects.filter((o) => o.kind === "table").map((o) => [o.name, o.class]),
    );
    expect(tables).toMatchObject({
      research_plan: "tenant",
      member: "tenant",
      user: "user-scoped",
      organization: "user-scoped",
      personal_access_token: "user-scoped",
      ai_model: "shared",
      ai_model_pricing: "shared",
      account: "unreachable",
      session: "unreachable",
      verification: "unreachable",
      "drizzle.__drizzle_migrations": "unreachable",
    });
    expect(Object.values(tables).filter((c) => c === "tenant")).toHaveLength(15);
    expect(clean.matrix.objects.filter((o) => o.kind.includes("extension vector")).length).toBeGreaterThan(50);
  });
});

describe("objects that fit no class", () => {
  it("a new table without RLS and a grant on a credential table", () => {
    expect(findingsOn(holed, "export_log")).toEqual(["unprotected-table"]);
    expect(findingsOn(holed, "account")).toEqual(["unprotected-table"]);
    expect(classOf(holed, "account")).toBe("unclassified");
  });

  it("a view without security_invoker (an invoker view is fine) and a granted materialized view", () => {
    expect(findingsOn(holed, "usage_report")).toEqual(["definer-view"]);
    expect(holed.matrix.findings.find((f) => f.table === "usage_report")?.message).toContain("ai_usage");
    expect(classOf(holed, "safe_usage")).toBe("invoker view");
    expect(findingsOn(holed, "usage_by_org")).toEqual(["materialized-view-granted"]);
  });

  it("a SECURITY DEFINER function the app roles can call (an invoker one is fine)", () => {
    expect(findingsOn(holed, "usage_calls()")).toEqual(["definer-routine", "definer-search-path"]);
    expect(classOf(holed, "plain_calls()")).toBe("invoker routine");
  });

  it("a grant to anonymous, TRUNCATE for the tenant role, a writable shared table, a policy TO public", () => {
    expect(findingsOn(holed, "research_plan")).toEqual(["stray-grant"]);
    expect(findingsOn(holed, "plan_step")).toEqual(["dangerous-privilege"]);
    expect(findingsOn(holed, "ai_model")).toEqual(["shared-table-writable"]);
    expect(findingsOn(holed, "tenant_notes")).toEqual(["policy-to-public"]);
  });

  it("a tenant table without an index on the tenant column is a warning, not a failure", () => {
    expect(holed.matrix.warnings.map((w) => `${w.code} ${w.table}`)).toEqual(["tenant-index-missing tenant_notes"]);
  });

  it("fails the report, and its text shows every reachable object with its verdict", () => {
    expect(holed.matrix.ok).toBe(false);
    for (const name of ["export_log", "account", "usage_report", "usage_by_org", "usage_calls()", "safe_usage"]) {
      expect(
        holed.output.split("\n").some((line) => line.startsWith(`${name} `)),
        name,
      ).toBe(true);
    }
    expect(holed.output).toMatch(/^account\s+table\s+unclassified\s+S\s+-\s+unprotected-table$/m);
    expect(holed.output).toContain("FAILED");
  });
});
