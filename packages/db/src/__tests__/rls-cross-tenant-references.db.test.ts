/**
 * A foreign key between tenant tables whose key leaves out `organization_id` lets one tenant's row
 * point at another tenant's: PostgreSQL checks the key and runs its ON DELETE action past RLS.
 * Trovella's keys pair `organization_id` (0014–0016); `db:rls` fails on a key that does not
 * (`cross-tenant-reference`, exit 1), and its fix, run as printed, closes it. Each case that
 * changes the schema runs in a transaction and is rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, type RlsFinding } from "@repo/migrator";
import { RLS_CONFIG } from "../project.ts";
import { TWO_TENANTS } from "../testing/rls-helpers.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;

/** TWO_TENANTS, and a step of each plan. */
const TWO_TENANTS_WITH_STEPS = `${TWO_TENANTS}
  insert into plan_step (id, organization_id, plan_id, position, step_type, title)
    values ('step_own', 'org_own', 'plan_own', 1, 'search', 'own step'),
           ('step_other', 'org_other', 'plan_other', 1, 'search', 'other step');
`;

/** A step of org_own's that names org_other's plan. */
const PLANT_STEP = `insert into plan_step (id, organization_id, plan_id, position, step_type, title)
  values ('step_planted', 'org_own', 'plan_other', 9, 'search', 'planted')`;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.driver.exec(TWO_TENANTS_WITH_STEPS);
});
afterAll(async () => {
  await t?.close();
});

/** Runs `fn` in a transaction (as the owner) and rolls everything back. */
async function rolledBack<T>(fn: () => Promise<T>): Promise<T> {
  await t.driver.exec("begin");
  try {
    return await fn();
  } finally {
    await t.driver.exec("rollback");
  }
}

/** Runs `sql` as the tenant role for org_own inside the open transaction; the error it raised, if any. */
async function asTenant(sql: string): Promise<{ code?: string } | undefined> {
  await t.driver.exec(`savepoint as_tenant;
    select set_config('app.tenant_id', 'org_own', true), set_config('app.user_id', 'user_own', true),
           set_config('role', 'authenticated', true)`);
  try {
    await t.driver.exec(sql);
    await t.driver.exec("release savepoint as_tenant; reset role");
    return undefined;
  } catch (error) {
    await t.driver.exec("rollback to savepoint as_tenant; reset role");
    return error as { code?: string };
  }
}

/** An artifact of org_own on its step; the step deleted: the artifact keeps organization_id, loses step_id. */
async function expectSetNullKeepsTenant(): Promise<void> {
  await t.driver.exec(`insert into research_artifact (id, organization_id, step_id, artifact_type, title)
                       values ('artifact_own', 'org_own', 'step_own', 'note', 'a note')`);
  await t.driver.exec("delete from plan_step where id = 'step_own'");
  expect(
    await t.driver.query("select organization_id, step_id from research_artifact where id = 'artifact_own'"),
  ).toEqual([{ organization_id: "org_own", step_id: null }]);
}

const crossTenant = (findings: RlsFinding[]) => findings.filter((f) => f.code === "cross-tenant-reference");
const findingOn = (findings: RlsFinding[], constraint: string) =>
  crossTenant(findings).find((f) => f.message.includes(`foreign key ${constraint} `));

/** Trovella's keys as 0000–0013 had them: to the referenced row's id alone. */
const KEYS_BY_ID = `
  alter table plan_step drop constraint plan_step_plan_id_tenant_fk,
    add constraint plan_step_plan_id_fk foreign key (plan_id) references research_plan (id) on delete cascade;
  alter table research_artifact drop constraint research_artifact_step_id_tenant_fk,
    add constraint research_artifact_step_id_fk foreign key (step_id) references plan_step (id) on delete set null;
  alter table ai_usage drop constraint ai_usage_batch_id_tenant_fk,
    add constraint ai_usage_batch_id_fk foreign key (batch_id) references ai_batch (id);
`;

/** The statements a finding's fix prints: the referenced table's UNIQUE, and the new key in place of the old. */
function fixStatements(finding: RlsFinding, table: string, constraint: string): string {
  const match = /UNIQUE \((.+?)\) on (\S+), then (FOREIGN KEY .+?)(?: \(the column list|$)/.exec(finding.fix);
  if (!match) throw new Error(`no SQL in the fix: ${finding.fix}`);
  const [, uniqueColumns, referenced, foreignKey] = match;
  return `alter table ${referenced} add unique (${uniqueColumns});
    alter table ${table} drop constraint ${constraint}, add constraint ${constraint} ${foreignKey};`;
}

describe("Trovella's keys between tenant tables", () => {
  it("pair organization_id: a tenant cannot point at another's row, a SET NULL keeps organization_id, db:rls finds none", async () => {
    await rolledBack(async () => {
      expect((await asTenant(PLANT_STEP))?.code).toBe("23503"); // foreign_key_violation
      await expectSetNullKeepsTenant();
    });
    expect(crossTenant((await coverageReport(t.driver, RLS_CONFIG)).matrix.findings)).toEqual([]);
  });
});

describe("a foreign key between tenant tables without the tenant column", () => {
  it("lets a tenant point at another tenant's row and have it deleted by that tenant; db:rls fails, naming what happens", async () => {
    await rolledBack(async () => {
      await t.driver.exec(KEYS_BY_ID);
      expect(await asTenant(PLANT_STEP)).toBeUndefined();
      await t.driver.exec("delete from research_plan where id = 'plan_other'");
      expect(await t.driver.query("select 1 from plan_step where id = 'step_planted'")).toEqual([]);
    });
    await rolledBack(async () => {
      await t.driver.exec(KEYS_BY_ID);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.ok).toBe(false);
      expect(crossTenant(report.matrix.findings).map((w) => w.table)).toEqual([
        "ai_usage",
        "plan_step",
        "research_artifact",
      ]);
      const cascade = findingOn(report.matrix.findings, "plan_step_plan_id_fk");
      expect(cascade?.message).toContain("deletes the rows pointing at it (ON DELETE CASCADE)");
      expect(cascade?.fix).toContain(
        `FOREIGN KEY ("organization_id", "plan_id") REFERENCES "research_plan" ("organization_id", "id") ON DELETE CASCADE`,
      );
      expect(findingOn(report.matrix.findings, "ai_usage_batch_id_fk")?.message).toContain(
        "can no longer delete that row, nor its organization",
      );
      expect(findingOn(report.matrix.findings, "research_artifact_step_id_fk")?.fix).toContain(
        `ON DELETE SET NULL ("step_id")`,
      );
      expect(report.output).toContain("[cross-tenant-reference] foreign key plan_step_plan_id_fk");
    });
  });

  it("is closed by the printed fix: the insert is refused, a SET NULL keeps the tenant column, and the finding goes", async () => {
    await rolledBack(async () => {
      await t.driver.exec(KEYS_BY_ID);
      const before = (await coverageReport(t.driver, RLS_CONFIG)).matrix.findings;
      const cascade = findingOn(before, "plan_step_plan_id_fk");
      const setNull = findingOn(before, "research_artifact_step_id_fk");
      if (!cascade || !setNull) throw new Error("no finding for the keys by id");
      await t.driver.exec(fixStatements(cascade, "plan_step", "plan_step_plan_id_fk"));
      await t.driver.exec(fixStatements(setNull, "research_artifact", "research_artifact_step_id_fk"));
      expect((await asTenant(PLANT_STEP))?.code).toBe("23503");
      await expectSetNullKeepsTenant();
      const after = crossTenant((await coverageReport(t.driver, RLS_CONFIG)).matrix.findings);
      expect(after.map((w) => w.table)).toEqual(["ai_usage"]);
    });
  });

  it("is no finding on a table no app role may write: no tenant can plant a row there", async () => {
    await rolledBack(async () => {
      await t.driver.exec(`
        create schema internal;
        create table internal.export_job (id text primary key, organization_id text not null,
          plan_id text references public.research_plan (id) on delete cascade);`);
      expect(crossTenant((await coverageReport(t.driver, RLS_CONFIG)).matrix.findings)).toEqual([]);
      await t.driver.exec(
        "grant usage on schema internal to authenticated; grant insert on internal.export_job to authenticated",
      );
      expect(crossTenant((await coverageReport(t.driver, RLS_CONFIG)).matrix.findings).map((f) => f.table)).toEqual([
        "internal.export_job",
      ]);
    });
  });

  it("finds a key that carries organization_id but pairs it with another column, once for a partitioned table", async () => {
    await rolledBack(async () => {
      await t.driver.exec(`
        alter table research_plan add unique (title, id);
        create table plan_note (id text, organization_id text not null, plan_id text,
          foreign key (organization_id, plan_id) references research_plan (title, id)) partition by list (organization_id);
        create table plan_note_own partition of plan_note for values in ('org_own');`);
      const found = crossTenant((await coverageReport(t.driver, RLS_CONFIG)).matrix.findings);
      expect(found.map((w) => w.table)).toEqual(["plan_note"]);
      expect(found[0]?.message).toContain(
        "(organization_id, plan_id) references research_plan pairing organization_id with its title, not with its organization_id",
      );
      expect(found[0]?.fix).toContain(
        `FOREIGN KEY ("organization_id", "plan_id") REFERENCES "research_plan" ("organization_id", "id")`,
      );
    });
  });
});
