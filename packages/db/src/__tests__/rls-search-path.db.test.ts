/**
 * Another schema's object in the place of `public`'s for a name nobody qualified: a schema named
 * like the tenant role, which `"$user"` (first in PostgreSQL's default `search_path`) finds once a
 * session runs as that role, and a default `search_path` set for the database or a role. A view
 * named `member` there answers every membership question with yes. Each is opened in a
 * transaction on a migrated database, shown, judged by `db:rls`'s report, and rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, type CoverageReport } from "@repo/migrator";
import { RLS_CONFIG } from "../project.ts";
import { TWO_TENANTS, withHole } from "../testing/rls-helpers.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
let database: string;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.driver.exec(TWO_TENANTS);
  const [row] = await t.driver.query<{ name: string }>("select current_database() as name");
  database = row?.name ?? "";
});
afterAll(async () => {
  await t?.close();
});

/** A view that says every user is an owner of whichever organization is asked about. */
const shadowMember = (schema: string) => `
  create schema ${schema};
  grant usage on schema ${schema} to authenticated;
  create view ${schema}.member with (security_invoker = true) as
    select 'x'::text as id, (select current_setting('app.tenant_id', true)) as organization_id,
           (select current_setting('app.user_id', true)) as user_id, 'owner'::text as role, now() as created_at;
  grant select on ${schema}.member to authenticated;
`;

/** As user_own in org_other (of which it is no member), with `path`: does an unqualified `member` say it is one? */
async function memberOfOther(path?: string): Promise<boolean> {
  await t.driver.exec(`savepoint ask;
    select set_config('app.tenant_id', 'org_other', true), set_config('app.user_id', 'user_own', true),
           set_config('role', 'authenticated', true)${path ? `, set_config('search_path', '${path}', true)` : ""}`);
  try {
    const [row] = await t.driver.query<{ member: boolean }>(
      "select exists (select 1 from member where organization_id = 'org_other' and user_id = 'user_own') as member",
    );
    return row?.member === true;
  } finally {
    await t.driver.exec("rollback to savepoint ask; reset role");
  }
}

const codes = (report: CoverageReport) => report.matrix.findings.map((f) => `${f.code} ${f.table ?? ""}`.trim());

describe("a schema named like the tenant role", () => {
  it(`is found first by "$user" and its member view passes any membership check, which is a finding`, async () => {
    await withHole(t.driver, shadowMember("authenticated"), async () => {
      expect(await memberOfOther(`"$user", public`)).toBe(true);
      expect(await memberOfOther("public")).toBe(false);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["role-named-schema authenticated"]);
      expect(report.matrix.findings[0]?.fix).toContain(`ALTER SCHEMA "authenticated" RENAME TO`);
    });
  });

  it("is not reported while the role may not use it", async () => {
    await withHole(t.driver, `create schema authenticated;`, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
    });
  });
});

describe("a default search_path that names another schema", () => {
  it("for the database: every new session resolves member there, which is a finding", async () => {
    await withHole(
      t.driver,
      `${shadowMember("api")}
       alter database "${database}" set search_path = api, public;`,
      async () => {
        // What a new session of the database starts with (this one started before).
        expect(await memberOfOther("api, public")).toBe(true);
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(codes(report)).toEqual([`search-path-default database ${database}`]);
        expect(report.matrix.findings[0]?.message).toContain(
          "has the default search_path api, public, which names api",
        );
        expect(report.matrix.findings[0]?.fix).toContain(`ALTER DATABASE "${database}" RESET search_path`);
      },
    );
  });

  it("for the tenant role in this database, which is a finding", async () => {
    await withHole(
      t.driver,
      `alter role authenticated in database "${database}" set search_path = api, public;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(codes(report)).toEqual([`search-path-default role authenticated in database ${database}`]);
        expect(report.matrix.findings[0]?.fix).toContain(
          `ALTER ROLE "authenticated" IN DATABASE "${database}" RESET search_path`,
        );
      },
    );
  });

  it(`is not reported when it names only "$user", public and pg_catalog, with pg_catalog first or implied`, async () => {
    for (const path of [`"$user", public`, `pg_catalog, "$user", public`]) {
      await withHole(t.driver, `alter database "${database}" set search_path = ${path};`, async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(report.matrix.findings).toEqual([]);
      });
    }
  });

  it("is reported when it lists pg_catalog after public: public.current_setting would come before the built-in", async () => {
    await withHole(
      t.driver,
      `alter database "${database}" set search_path = "$user", public, pg_catalog;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(codes(report)).toEqual([`search-path-default database ${database}`]);
        expect(report.matrix.findings[0]?.message).toContain("lists pg_catalog after public");
        expect(report.matrix.findings[0]?.fix).toContain("or set it again with pg_catalog first");
      },
    );
  });
});
