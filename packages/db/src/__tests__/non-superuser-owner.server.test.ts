/**
 * Cloud SQL's admin user is not a superuser. As a NOSUPERUSER owner role with CREATEDB and
 * CREATEROLE (and `vector` created beforehand by an admin, as Cloud SQL's admin can and a plain
 * owner cannot), the whole history migrates and verifies, `db:rls` passes, and tenant contexts
 * isolate: the owner is a member of `authenticated` only because 0001 granted it, not by being a
 * superuser. (`.ci/run` does the same with the seeds and the mutation run.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, openPostgresDriver, readMigrationFolder, runMigrations } from "@repo/migrator";
import { createDatabase, type DatabaseHandle, withTenantContext } from "../client.ts";
import { RLS_CONFIG } from "../project.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import { probeIsolation } from "../testing/isolation-probe.ts";
import { MIGRATIONS_FOLDER, TEST_SERVER_URL } from "../testing/test-database.ts";

const OWNER = "trovella_nosuper_test";
const PASSWORD = "trovella_nosuper_test_dev";
const DATABASE = `trovella_nosuper_${process.pid}`;

const at = (database: string, credentials?: { user: string; password: string }) => {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${database}`;
  if (credentials) {
    url.username = credentials.user;
    url.password = credentials.password;
  }
  return url.toString();
};
const ownerUrl = (database: string) => at(database, { user: OWNER, password: PASSWORD });

let owner: DatabaseHandle;

async function asAdmin(database: string, ...statements: string[]): Promise<void> {
  const admin = await openPostgresDriver(at(database));
  try {
    for (const statement of statements) await admin.exec(statement);
  } finally {
    await admin.close();
  }
}

beforeAll(async () => {
  // Roles are cluster-wide: created once, idempotently; the database is this run's own.
  await asAdmin(
    "postgres",
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${OWNER}') THEN
         CREATE ROLE ${OWNER} LOGIN NOSUPERUSER CREATEDB CREATEROLE NOBYPASSRLS PASSWORD '${PASSWORD}';
       END IF;
     END $$`,
    `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`,
    `CREATE DATABASE ${DATABASE} OWNER ${OWNER}`,
  );
  await asAdmin(DATABASE, "CREATE EXTENSION IF NOT EXISTS vector");
  owner = createDatabase({ kind: "postgres", url: ownerUrl(DATABASE) });
});
afterAll(async () => {
  await owner?.close();
  await asAdmin(
    "postgres",
    `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`,
    `DROP DATABASE IF EXISTS ${DATABASE}_bare WITH (FORCE)`,
  );
});

describe("a NOSUPERUSER, CREATEDB, CREATEROLE owner", () => {
  it("is what it says, and cannot create vector in a database of its own (hence the admin step)", async () => {
    const driver = await openPostgresDriver(ownerUrl("postgres"));
    try {
      const [me] = await driver.query<{ superuser: boolean; createdb: boolean; createrole: boolean }>(
        `select rolsuper as superuser, rolcreatedb as createdb, rolcreaterole as createrole from pg_roles where rolname = current_user`,
      );
      expect(me).toEqual({ superuser: false, createdb: true, createrole: true });
      await driver.exec(`DROP DATABASE IF EXISTS ${DATABASE}_bare WITH (FORCE)`);
      await driver.exec(`CREATE DATABASE ${DATABASE}_bare`);
    } finally {
      await driver.close();
    }
    const bare = await openPostgresDriver(ownerUrl(`${DATABASE}_bare`));
    try {
      await expect(bare.exec("CREATE EXTENSION vector")).rejects.toThrow(/permission denied/);
    } finally {
      await bare.close();
    }
  });

  it("migrates the whole history, verifies it, and passes db:rls", async () => {
    const driver = await openPostgresDriver(ownerUrl(DATABASE));
    try {
      const result = await runMigrations(driver, readMigrationFolder(MIGRATIONS_FOLDER));
      expect(result.verification.ok).toBe(true);
      const [owns] = await driver.query<{ n: number }>(
        `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' and pg_get_userbyid(c.relowner) = current_user`,
      );
      expect(owns?.n).toBeGreaterThan(20);
      const report = await coverageReport(driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
    } finally {
      await driver.close();
    }
  });

  it("runs tenant contexts that isolate, and the isolation probe finds nothing", async () => {
    await owner.db.insert(organization).values(["org_ns_a", "org_ns_b"].map((id) => ({ id, name: id, slug: id })));
    await owner.db
      .insert(user)
      .values(["u_ns_a", "u_ns_b"].map((id) => ({ id, name: id, email: `${id}@example.com` })));
    await owner.db.insert(member).values([
      { id: "m_ns_a", organizationId: "org_ns_a", userId: "u_ns_a" },
      { id: "m_ns_b", organizationId: "org_ns_b", userId: "u_ns_b" },
    ]);
    await owner.db.insert(researchPlan).values([
      { id: "p_ns_a", organizationId: "org_ns_a", title: "a", question: "?" },
      { id: "p_ns_b", organizationId: "org_ns_b", title: "b", question: "?" },
    ]);
    const seen = await withTenantContext(
      "org_ns_a",
      "u_ns_a",
      (tx) => tx.select({ id: researchPlan.id }).from(researchPlan),
      owner.db,
    );
    expect(seen).toEqual([{ id: "p_ns_a" }]);
    const driver = await openPostgresDriver(ownerUrl(DATABASE));
    try {
      expect(await probeIsolation(owner.db, driver)).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});
