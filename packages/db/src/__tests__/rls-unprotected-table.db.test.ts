/**
 * A tenant table someone forgot to protect, added to a scratch database: the tenant-table
 * discovery of the isolation test and `db:rls` must both fail on it, naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, discoverTenantTables, EXIT, TenantTableMismatchError } from "@repo/migrator";
import { createFixtureGenerator, probeTableModels, rowStatements } from "@repo/migrator/testing";
import { withTenantContext } from "../client.ts";
import { RLS_CONFIG } from "../project.ts";
import { schemaTenantTables } from "../schema-info.ts";
import { rowCount } from "../testing/rls-helpers.ts";
import { runCommand } from "../testing/run-command.ts";
import { createTestDatabase, type TestDatabase, testEngine } from "../testing/test-database.ts";

const FORGOTTEN = "throwaway_note";
const PER_ROW = "throwaway_per_row";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.driver.exec(`
    create table ${FORGOTTEN} (
      id text primary key,
      organization_id text not null references organization(id) on delete cascade,
      body text not null
    );
    insert into organization (id, name, slug) values ('org_own', 'own', 'own');
    insert into "user" (id, name, email) values ('user_own', 'own', 'own@example.com');
    insert into member (id, organization_id, user_id) values ('member_own', 'org_own', 'user_own');
    create table ${PER_ROW} (id text primary key, organization_id text not null);
    alter table ${PER_ROW} enable row level security;
    create policy ${PER_ROW}_all on ${PER_ROW} to authenticated
      using (organization_id = current_setting('app.tenant_id', true))
      with check (organization_id = current_setting('app.tenant_id', true));
  `);
});
afterAll(async () => {
  await t?.close();
});

describe("a tenant table without policies", () => {
  it("fails the isolation test's discovery, which names it", async () => {
    const discovery = discoverTenantTables(t.driver, RLS_CONFIG, schemaTenantTables());
    await expect(discovery).rejects.toBeInstanceOf(TenantTableMismatchError);
    await expect(discovery).rejects.toMatchObject({ onlyInCatalog: [FORGOTTEN, PER_ROW], onlyInSchema: [] });
    await expect(discovery).rejects.toThrow(new RegExp(`in the database but not in the schema: ${FORGOTTEN}`));
  });

  it("really leaks: one tenant reads the other's row through withTenantContext", async () => {
    const generator = createFixtureGenerator(await probeTableModels(t.driver, RLS_CONFIG.schema), RLS_CONFIG);
    for (const row of generator.row(FORGOTTEN, "org_other")) {
      const insert = rowStatements(row, RLS_CONFIG).insert;
      await t.driver.query(insert.text, insert.params);
    }
    const visible = await withTenantContext(
      "org_own",
      "user_own",
      (tx) => rowCount(tx, { text: `select 1 from ${FORGOTTEN} where organization_id = 'org_other'`, params: [] }),
      t.db,
    );
    expect(visible).toBe(1);
  });

  it("fails the db:rls report, which names it MISSING for every command and RLS disabled", async () => {
    const report = await coverageReport(t.driver, RLS_CONFIG);
    expect(report.matrix.ok).toBe(false);
    const forgotten = report.matrix.findings
      .filter((f) => f.table === FORGOTTEN)
      .map((f) => `${f.code} ${f.command ?? ""}`.trim());
    expect(forgotten).toEqual([
      "rls-disabled",
      "missing-policy select",
      "missing-policy insert",
      "missing-policy update",
      "missing-policy delete",
    ]);
    const line = report.output.split("\n").find((l) => l.startsWith(`${FORGOTTEN} `));
    expect(line).toMatch(/MISSING\s+MISSING\s+MISSING\s+MISSING\s+DISABLED/);
    expect(report.output).toContain("FAILED");
  });

  it("fails db:rls on a policy that calls current_setting per row, naming it", async () => {
    const report = await coverageReport(t.driver, RLS_CONFIG, { json: true });
    const perRow = report.matrix.findings.filter((f) => f.code === "per-row-setting");
    expect(perRow).toMatchObject([{ table: PER_ROW, policy: `${PER_ROW}_all` }]);
    expect(report.matrix.rows.find((r) => r.table === PER_ROW)?.commands.select).toEqual([`${PER_ROW}_all`]);
    expect(JSON.parse(report.output)).toMatchObject({ ok: false, findings: expect.arrayContaining(perRow) });
  });

  // The command opens the database itself; the embedded one is held open by this test.
  if (testEngine() === "postgres") {
    it("makes the db:rls command exit 1 with the table in its output", async () => {
      if (t.connection.kind !== "postgres") throw new Error("expected a server database");
      const run = await runCommand("rls", [], { DATABASE_URL: t.connection.url });
      expect(run.code, run.stderr).toBe(EXIT.failed);
      expect(run.stdout).toMatch(new RegExp(`${FORGOTTEN}\\s+MISSING`));
      expect(run.stdout).not.toContain("trovella_dev");
    });
  }
});
