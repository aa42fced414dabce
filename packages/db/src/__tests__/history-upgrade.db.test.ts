/**
 * Upgrading databases migrated before 0010 existed, on the engine of the test project. The SELECT
 * policies of `user` and `organization` were first put into 0000 by rewriting it in place (commit
 * 36946d2); 0000 is back as it was and the policies are migration 0010. Two histories can be in a
 * database:
 *
 * - the original ten migrations (0000–0009): a plain migrate applies 0010 and nothing else;
 * - the ten with the rewritten 0000 (fixtures/rewritten-0000/): `db:migrate` refuses
 *   (`modified: 0000_lying_agent_zero`, exit 3); after `db:accept-hash 0000_lying_agent_zero` a
 *   plain `db:migrate` applies 0010, whose guards skip the policies that already exist.
 *
 * Both end with the catalog of a database migrated from empty, and `db:rls` passing.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { coverageReport, type Driver, EXIT, readMigrationFolder, runMigrations } from "@repo/migrator";
import { type CatalogSnapshot, catalogSnapshot } from "@repo/migrator/testing";
import { RLS_CONFIG } from "../project.ts";
import { seedGlobalTables, seenByTenant, seenByUser } from "../testing/global-tables.ts";
import { runCommand } from "../testing/run-command.ts";
import { createTestDatabase, MIGRATIONS_FOLDER } from "../testing/test-database.ts";
import { inspectTarget, testResources } from "../testing/test-resources.ts";

const FIRST = "0000_lying_agent_zero";
const POLICIES_MIGRATION = "0010_user-organization-select-policies";
/** 0000 as commit 36946d2 rewrote it, byte for byte (see the fixture's README). */
const REWRITTEN_0000 = fileURLToPath(new URL(`./fixtures/rewritten-0000/${FIRST}.sql`, import.meta.url));
const REWRITTEN_0000_HASH = "40cc82fc2384cd89aea3253261930755e094ff6be8de170d45cc69b3d19224a9";

/** The policies on `user` and `organization` that 0010 (or the rewritten 0000) creates. */
const GLOBAL_POLICIES = [
  {
    table: "organization",
    policy: "organization_select",
    cmd: "SELECT",
    roles: "{authenticated}",
    qual: "(id = ( SELECT current_setting('app.tenant_id'::text, true) AS current_setting))",
  },
  {
    table: "user",
    policy: "user_select",
    cmd: "SELECT",
    roles: "{authenticated}",
    qual: expect.stringMatching(/^\(\(id = \( SELECT current_setting\('app\.user_id'::text, true\).*EXISTS/s),
  },
];

const resources = testResources();

/** The original ten migrations: the real folder's 0000–0009 files, snapshots and journal entries. */
const originalTen = () => resources.scratch(9);

async function globalPolicies(driver: Driver): Promise<Record<string, unknown>[]> {
  return driver.query(
    `SELECT tablename AS "table", policyname AS policy, cmd, roles::text AS roles, qual
       FROM pg_policies WHERE schemaname = 'public' AND tablename IN ('user', 'organization')
      ORDER BY 1, 2`,
  );
}

async function rlsEnabled(driver: Driver): Promise<Record<string, boolean>> {
  const rows = await driver.query<{ name: string; rls: boolean }>(
    `SELECT relname AS name, relrowsecurity AS rls FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relname IN ('user', 'organization')`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.rls]));
}

/** The catalog of a database migrated from empty with the whole history (the test template). */
async function freshCatalog(): Promise<CatalogSnapshot> {
  const fresh = await createTestDatabase();
  try {
    return await catalogSnapshot(fresh.driver);
  } finally {
    await fresh.close();
  }
}

describe("a database migrated with the original ten migrations (0000–0009)", () => {
  it("reaches the new state with a plain migrate: 0010 and what came after are applied, it verifies, db:rls passes, tenants are confined", async () => {
    const t = await resources.database({ migrate: false });
    const ten = originalTen();
    const real = readMigrationFolder(MIGRATIONS_FOLDER);
    expect(ten.entries().map((e) => e.tag)).toEqual(real.migrations.slice(0, 10).map((m) => m.tag));

    const before = await runMigrations(t.driver, readMigrationFolder(ten.dir));
    expect(before.applied).toHaveLength(10);
    expect(before.verification.ok).toBe(true);
    expect(await globalPolicies(t.driver)).toEqual([]);
    expect(await rlsEnabled(t.driver)).toEqual({ organization: false, user: false });
    await seedGlobalTables(t.db);
    // The leak 0010 closes: any tenant reads every user and every organization.
    expect(await seenByTenant(t.db, "org_a", "u_a")).toEqual({
      users: ["u_a", "u_ab", "u_b", "u_none"],
      organizations: ["org_a", "org_b"],
    });

    const upgrade = await runMigrations(t.driver, real);
    const later = real.migrations.slice(10).map((m) => m.tag);
    expect(later[0]).toBe(POLICIES_MIGRATION);
    expect(upgrade.state).toEqual({ applied: 10, expected: real.migrations.length, pending: later.length });
    expect(upgrade.applied.map((m) => m.tag)).toEqual(later);
    const all = real.migrations.length;
    expect(upgrade.verification).toMatchObject({ ok: true, applied: all, expected: all });

    expect(await globalPolicies(t.driver)).toEqual(GLOBAL_POLICIES);
    expect(await rlsEnabled(t.driver)).toEqual({ organization: true, user: true });
    const rls = await coverageReport(t.driver, RLS_CONFIG);
    expect(rls.matrix.ok).toBe(true);
    expect(rls.matrix.readableNonTenantTables.filter((r) => r.table === "user" || r.table === "organization")).toEqual([
      { table: "organization", rlsEnabled: true, policies: ["organization_select"] },
      { table: "user", rlsEnabled: true, policies: ["user_select"] },
    ]);
    // The isolation global-tables.db.test.ts proves on a fresh database, on the upgraded one.
    expect(await seenByTenant(t.db, "org_a", "u_a")).toEqual({ users: ["u_a", "u_ab"], organizations: ["org_a"] });
    expect(await seenByUser(t.db, "u_none")).toEqual({ users: ["u_none"], organizations: [] });
    expect(await catalogSnapshot(t.driver)).toEqual(await freshCatalog());
  });
});

/** An empty database a command opens itself. */
const commandTarget = () => resources.commandTarget({ migrate: false });

describe("a database migrated with the rewritten 0000 of commit 36946d2", { timeout: 180_000 }, () => {
  it("is refused (modified: 0000, exit 3) until db:accept-hash 0000; then a plain db:migrate applies 0010 as a no-op and db:rls passes", async () => {
    const rewritten = readFileSync(REWRITTEN_0000, "utf8");
    expect(createHash("sha256").update(rewritten).digest("hex")).toBe(REWRITTEN_0000_HASH);
    const env = await commandTarget();
    const deployed = originalTen();
    deployed.write(FIRST, rewritten);
    const first = await runCommand("migrate", ["--migrations", deployed.dir], env);
    expect([first.code, first.stderr]).toEqual([0, ""]);
    expect(await inspectTarget(env, globalPolicies)).toEqual(GLOBAL_POLICIES);

    // Plain db:migrate with the real folder: 0000's file is not what was applied.
    const refused = await runCommand("migrate", [], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`modified: ${FIRST}`);
    expect(refused.stdout).not.toContain("Applied");
    expect((await runCommand("verify", [], env)).code).toBe(3);

    const accepted = await runCommand("accept-hash", [FIRST], env);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(
      new RegExp(`^Accepted ${FIRST}: row 1 hash ${REWRITTEN_0000_HASH} -> [0-9a-f]{64}\\n`),
    );
    // git shows the reviewer what the database applied: the rewritten 0000 of commit 36946d2, and what changed since.
    expect(accepted.stdout).toContain("The database applied its version of commit 36946d2bd844; what changed since:");
    expect(accepted.stdout).toContain('-CREATE POLICY "organization_select" ON "organization"');

    const migrated = await runCommand("migrate", [], env);
    expect([migrated.code, migrated.stderr]).toEqual([0, ""]);
    const all = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;
    expect(migrated.stdout).toContain(`Migration state: 10 applied, ${all} expected, ${all - 10} pending`);
    expect(migrated.stdout).toMatch(new RegExp(`\\nApplied ${POLICIES_MIGRATION} \\(\\d+ ms\\)\\n`));
    expect(migrated.stdout).toContain(`Verified: ${all} applied, ${all} expected, every hash matches the journal`);
    expect((await runCommand("verify", [], env)).code).toBe(0);

    const rls = await runCommand("rls", [], env);
    expect([rls.code, rls.stderr]).toEqual([EXIT.ok, ""]);
    expect(await inspectTarget(env, globalPolicies)).toEqual(GLOBAL_POLICIES);
    expect(await inspectTarget(env, catalogSnapshot)).toEqual(await freshCatalog());
  });
});
