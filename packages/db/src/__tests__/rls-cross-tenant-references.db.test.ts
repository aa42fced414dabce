/**
 * A foreign key between tenant tables whose key leaves out `organization_id` lets one tenant's row
 * point at another tenant's: PostgreSQL checks the key and runs its ON DELETE action past RLS.
 * `db:rls` warns of each such key (no row is read across tenants, so exit 0), and its fix, run as
 * printed, closes it. Each case runs in a transaction on a migrated database and is rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, type RlsWarning } from "@repo/migrator";
import { RLS_CONFIG } from "../project.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;

/** Two organizations, a plan of each, a step of each plan, a member of the first. */
const TWO_TENANTS = `
  insert into organization (id, name, slug) values ('org_own', 'own', 'own'), ('org_other', 'other', 'other');
  insert into "user" (id, name, email) values ('user_own', 'own', 'own@example.com');
  insert into member (id, organization_id, user_id, role) values ('member_own', 'org_own', 'user_own', 'owner');
  insert into research_plan (id, organization_id, title, question)
    values ('plan_own', 'org_own', 'own plan', 'q'), ('plan_other', 'org_other', 'other plan', 'q');
  insert into plan_step (id, organization_id, plan_id, position, step_type, title)
    values ('step_own', 'org_own', 'plan_own', 1, 'search', 'own step'),
           ('step_other', 'org_other', 'plan_other', 1, 'search', 'other step');
`;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.driver.exec(TWO_TENANTS);
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

const warningOn = (warnings: RlsWarning[], constraint: string) =>
  warnings.find((w) => w.code === "cross-tenant-reference" && w.message.includes(`foreign key ${constraint} `));

/** The statements a warning's fix prints: the referenced table's UNIQUE, and the new key in place of the old. */
function fixStatements(warning: RlsWarning, table: string, constraint: string): string {
  const match = /UNIQUE \((.+?)\) on (\S+), then (FOREIGN KEY .+?)(?: \(the column list|$)/.exec(warning.fix);
  if (!match) throw new Error(`no SQL in the fix: ${warning.fix}`);
  const [, uniqueColumns, referenced, foreignKey] = match;
  return `alter table ${referenced} add unique (${uniqueColumns});
    alter table ${table} drop constraint ${constraint}, add constraint ${constraint} ${foreignKey};`;
}

describe("a foreign key between tenant tables without the tenant column", () => {
  it("lets a tenant point at another tenant's row and have it deleted by that tenant; db:rls warns, naming what happens", async () => {
    await rolledBack(async () => {
      expect(
        await asTenant(`insert into plan_step (id, organization_id, plan_id, position, step_type, title)
                        values ('step_planted', 'org_own', 'plan_other', 9, 'search', 'planted')`),
      ).toBeUndefined();
      await t.driver.exec("delete from research_plan where id = 'plan_other'");
      expect(await t.driver.query("select 1 from plan_step where id = 'step_planted'")).toEqual([]);
    });
    const report = await coverageReport(t.driver, RLS_CONFIG);
    expect(report.matrix.ok).toBe(true);
    const warning = warningOn(report.matrix.warnings, "plan_step_plan_id_research_plan_id_fk");
    expect(warning?.table).toBe("plan_step");
    expect(warning?.message).toContain("deletes the rows pointing at it (ON DELETE CASCADE)");
    expect(warning?.fix).toContain(
      `FOREIGN KEY ("organization_id", "plan_id") REFERENCES "research_plan" ("organization_id", "id") ON DELETE CASCADE`,
    );
    expect(report.output).toContain("[cross-tenant-reference] foreign key plan_step_plan_id_research_plan_id_fk");
    // ON DELETE NO ACTION: the other tenant can no longer delete its row.
    expect(warningOn(report.matrix.warnings, "ai_usage_batch_id_ai_batch_id_fk")?.message).toContain(
      "can no longer delete that row, nor its organization",
    );
  });

  it("is closed by the printed fix: the insert is refused, a SET NULL keeps the tenant column, and the warning goes", async () => {
    const before = (await coverageReport(t.driver, RLS_CONFIG)).matrix.warnings;
    const cascade = warningOn(before, "plan_step_plan_id_research_plan_id_fk");
    const setNull = warningOn(before, "research_artifact_step_id_plan_step_id_fk");
    if (!cascade || !setNull) throw new Error("the migrated schema no longer has the keys this test fixes");
    expect(setNull.fix).toContain(`ON DELETE SET NULL ("step_id")`);
    await rolledBack(async () => {
      await t.driver.exec(fixStatements(cascade, "plan_step", "plan_step_plan_id_research_plan_id_fk"));
      await t.driver.exec(fixStatements(setNull, "research_artifact", "research_artifact_step_id_plan_step_id_fk"));
      const refused = await asTenant(`insert into plan_step (id, organization_id, plan_id, position, step_type, title)
                                      values ('step_planted', 'org_own', 'plan_other', 9, 'search', 'planted')`);
      expect(refused?.code).toBe("23503"); // foreign_key_violation
      await t.driver.exec(`insert into research_artifact (id, organization_id, step_id, artifact_type, title)
                           values ('artifact_own', 'org_own', 'step_own', 'note', 'a note')`);
      await t.driver.exec("delete from plan_step where id = 'step_own'");
      expect(
        await t.driver.query("select organization_id, step_id from research_artifact where id = 'artifact_own'"),
      ).toEqual([{ organization_id: "org_own", step_id: null }]);
      const after = (await coverageReport(t.driver, RLS_CONFIG)).matrix.warnings;
      expect(warningOn(after, "plan_step_plan_id_research_plan_id_fk")).toBeUndefined();
      expect(warningOn(after, "research_artifact_step_id_plan_step_id_fk")).toBeUndefined();
      expect(after.length).toBe(before.length - 2);
    });
  });

  it("warns of a key that carries organization_id but pairs it with another column, once for a partitioned table", async () => {
    await rolledBack(async () => {
      await t.driver.exec(`
        alter table research_plan add unique (title, id);
        create table plan_note (id text, organization_id text not null, plan_id text,
          foreign key (organization_id, plan_id) references research_plan (title, id)) partition by list (organization_id);
        create table plan_note_own partition of plan_note for values in ('org_own');`);
      const warnings = (await coverageReport(t.driver, RLS_CONFIG)).matrix.warnings.filter(
        (w) => w.code === "cross-tenant-reference" && w.table.startsWith("plan_note"),
      );
      expect(warnings.map((w) => w.table)).toEqual(["plan_note"]);
      expect(warnings[0]?.message).toContain(
        "(organization_id, plan_id) references research_plan without organization_id",
      );
    });
  });
});
