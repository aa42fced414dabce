/**
 * Tenant isolation, proven for every tenant table without listing any: the tenant tables come
 * from the migrated catalog and from the TypeScript schema (the test fails if they disagree), and
 * their rows are generated from column metadata. A new tenant table is covered with no change here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { buildCoverageMatrix, callsSettingPerRow, discoverTenantTables, probeRlsCatalog } from "@repo/migrator";
import {
  createFixtureGenerator,
  type FixtureGenerator,
  type FixtureRow,
  type FixtureStatement,
  probeTableModels,
  rowStatements,
} from "@repo/migrator/testing";
import { type Database, withTenantContext } from "../client.ts";
import { member, user } from "../schema/index.ts";
import { RLS_CONFIG } from "../project.ts";
import { schemaTenantTables } from "../schema-info.ts";
import { INSUFFICIENT_PRIVILEGE, rowCount, sqlStates, toDrizzleSql } from "../testing/rls-helpers.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

const OWN = "org_rls_own";
const OTHER = "org_rls_other";
const USER = "user_rls";
const tenantTables = schemaTenantTables();

let t: TestDatabase;
let generator: FixtureGenerator;
/** The seeded row of each tenant table for each tenant. */
const seeded = new Map<string, FixtureRow>();
/** What was checked, per table and command, printed at the end. */
const checked = new Map<string, Map<string, string[]>>();

function record(table: string, command: string, fact: string): void {
  const byCommand = checked.get(table) ?? new Map<string, string[]>();
  checked.set(table, byCommand);
  byCommand.set(command, [...(byCommand.get(command) ?? []), fact]);
}

const statements = (row: FixtureRow) => rowStatements(row, RLS_CONFIG);
const seed = (table: string, tenant: string) => seeded.get(`${table}/${tenant}`) as FixtureRow;

/** Inserts rows as the superuser (RLS does not apply): seeds and the parents of new rows. */
async function insertAsOwner(rows: FixtureRow[]): Promise<void> {
  for (const row of rows) {
    const insert = statements(row).insert;
    await t.driver.query(insert.text, insert.params);
  }
}

/** A new row of `table` for `tenant` whose parents exist; the row itself is not inserted. */
async function freshRow(table: string, tenant: string): Promise<FixtureRow> {
  const rows = generator.row(table, tenant);
  await insertAsOwner(rows.slice(0, -1));
  return rows.at(-1) as FixtureRow;
}

/** Runs one statement as `tenant` through `withTenantContext`; returns the rows it returned. */
function asTenant(tenant: string, statement: FixtureStatement, database: Database = t.db): Promise<number> {
  return withTenantContext(tenant, USER, (tx) => rowCount(tx, statement), database);
}

/** Runs one statement as `authenticated` with no tenant set, then rolls back. */
async function withoutTenant(statement: FixtureStatement): Promise<number> {
  await t.driver.exec("begin; set local role authenticated");
  try {
    return (await t.driver.query(statement.text, statement.params)).length;
  } finally {
    await t.driver.exec("rollback");
  }
}

/** Whether the row exists, seen by the superuser, with the tenant column it has. */
async function ownerSees(row: FixtureRow): Promise<string | undefined> {
  const select = statements(row).select;
  const [found] = await t.driver.query<{ tenant: string }>(select.text, select.params);
  return found?.tenant;
}

async function expectRlsRejection(attempt: Promise<unknown>): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the statement should have been rejected").toBeDefined();
  expect(sqlStates(error)).toContain(INSUFFICIENT_PRIVILEGE);
}

/** A tenant table the app roles may only read (RLS_CONFIG.readOnlyTenantTables): its writes lack the privilege. */
const readOnly = (table: string) => (RLS_CONFIG.readOnlyTenantTables ?? []).includes(table);

/** A write that touches `rows` rows of a writable table, and is refused (42501) on a read-only one. */
async function expectWrite(table: string, attempt: Promise<number>, rows: number): Promise<void> {
  if (readOnly(table)) await expectRlsRejection(attempt);
  else expect(await attempt).toBe(rows);
}

beforeAll(async () => {
  t = await createTestDatabase();
  const discovered = await discoverTenantTables(t.driver, RLS_CONFIG, tenantTables);
  generator = createFixtureGenerator(await probeTableModels(t.driver, RLS_CONFIG.schema), RLS_CONFIG);
  for (const table of discovered) {
    for (const tenant of [OWN, OTHER]) {
      const rows = generator.row(table, tenant);
      await insertAsOwner(rows);
      seeded.set(`${table}/${tenant}`, rows.at(-1) as FixtureRow);
    }
  }
  // withTenantContext runs only for a member of the organization.
  await t.db.insert(user).values({ id: USER, name: USER, email: `${USER}@example.com` });
  await t.db.insert(member).values({ id: `member_${USER}`, organizationId: OWN, userId: USER });
});

afterAll(async () => {
  await t?.close();
  const commands = ["select", "insert", "update", "delete"];
  const lines = [...checked].map(
    ([table, byCommand]) =>
      `${table.padEnd(20)} ${commands.map((c) => (byCommand.get(c) ?? ["-"]).join("+").padEnd(24)).join(" ")}`,
  );
  const total = [...checked.values()].reduce((n, m) => n + [...m.values()].reduce((k, f) => k + f.length, 0), 0);
  console.log(
    [
      `RLS isolation (${t?.engine}): ${checked.size} tenant tables × ${commands.length} operations, ${total} checks`,
      `${"table".padEnd(20)} ${commands.map((c) => c.padEnd(24)).join(" ")}`,
      ...lines,
    ].join("\n"),
  );
});

describe("tenant tables", () => {
  it("are the same in the migrated catalog and in the TypeScript schema", async () => {
    expect(await discoverTenantTables(t.driver, RLS_CONFIG, tenantTables)).toEqual(tenantTables);
    expect(tenantTables.length).toBeGreaterThan(10);
  });
});

describe("the authenticated role and the policies", () => {
  it("authenticated has no BYPASSRLS, is no superuser and owns no table", async () => {
    const catalog = await probeRlsCatalog(t.driver, RLS_CONFIG);
    expect(catalog.role).toEqual({
      name: "authenticated",
      exists: true,
      superuser: false,
      bypassRls: false,
      ownedTables: [],
    });
  });

  it("every policy reads its setting through a sub-select, once per statement", async () => {
    const { policies } = await probeRlsCatalog(t.driver, RLS_CONFIG);
    expect(policies.length).toBeGreaterThanOrEqual(tenantTables.length * 4);
    for (const policy of policies) {
      for (const expression of [policy.using, policy.withCheck].filter((e) => e !== null)) {
        expect(callsSettingPerRow(expression), `${policy.name}: ${expression}`).toBe(false);
        expect(expression, policy.name).toMatch(/\(\s*SELECT current_setting\(/);
      }
    }
  });

  it("the coverage matrix has a policy for every tenant table and command, and no finding", async () => {
    const matrix = buildCoverageMatrix(await probeRlsCatalog(t.driver, RLS_CONFIG));
    expect(matrix.findings).toEqual([]);
    expect(matrix.rows.map((r) => r.table)).toEqual(tenantTables);
  });
});

describe.each(tenantTables.filter(readOnly))("%s (read-only for the tenant)", (table) => {
  it("lets a tenant select its own row and refuses its insert, update and delete", async () => {
    const row = await freshRow(table, OWN);
    await expectRlsRejection(asTenant(OWN, statements(row).insert));
    expect(await ownerSees(row)).toBeUndefined();
    record(table, "insert", "own refused");
    const mine = statements(seed(table, OWN));
    expect(await asTenant(OWN, mine.select)).toBe(1);
    record(table, "select", "own");
    await expectRlsRejection(asTenant(OWN, mine.update));
    record(table, "update", "own refused");
    await expectRlsRejection(asTenant(OWN, mine.delete));
    expect(await ownerSees(seed(table, OWN))).toBe(OWN);
    record(table, "delete", "own refused");
  });
});

describe.each(tenantTables.filter((table) => !readOnly(table)))("%s", (table) => {
  it("lets a tenant insert, select, update and delete its own row", async () => {
    const row = await freshRow(table, OWN);
    const s = statements(row);
    expect(await asTenant(OWN, s.insert)).toBe(0);
    expect(await ownerSees(row)).toBe(OWN);
    record(table, "insert", "own");
    expect(await asTenant(OWN, s.select)).toBe(1);
    record(table, "select", "own");
    expect(await asTenant(OWN, s.update)).toBe(1);
    record(table, "update", "own");
    expect(await asTenant(OWN, s.delete)).toBe(1);
    expect(await ownerSees(row)).toBeUndefined();
    record(table, "delete", "own");
  });
});

describe.each(tenantTables)("%s", (table) => {
  it("hides the other tenant's rows", async () => {
    expect(await asTenant(OWN, statements(seed(table, OTHER)).select)).toBe(0);
    const tenantsSeen = await withTenantContext(
      OWN,
      USER,
      async (tx) => {
        const result = (await tx.execute(
          sql`select distinct ${sql.identifier(RLS_CONFIG.tenantColumn)} as tenant from ${sql.identifier(table)}`,
        )) as unknown as { rows: { tenant: string }[] };
        return result.rows.map((r) => r.tenant);
      },
      t.db,
    );
    expect(tenantsSeen).toEqual([OWN]);
    record(table, "select", "other");
  });

  it("does not let a tenant update, delete or insert the other tenant's rows", async () => {
    const theirs = seed(table, OTHER);
    await expectWrite(table, asTenant(OWN, statements(theirs).update), 0);
    record(table, "update", "other");
    await expectWrite(table, asTenant(OWN, statements(theirs).delete), 0);
    expect(await ownerSees(theirs)).toBe(OTHER);
    record(table, "delete", "other");
    const forged = await freshRow(table, OTHER);
    await expectRlsRejection(asTenant(OWN, statements(forged).insert));
    expect(await ownerSees(forged)).toBeUndefined();
    record(table, "insert", "other");
  });

  it("does not let an update move a row to the other tenant", async () => {
    const mine = seed(table, OWN);
    await expectRlsRejection(asTenant(OWN, statements(mine).moveTo(OTHER)));
    expect(await ownerSees(mine)).toBe(OWN);
    record(table, "update", "move");
  });

  it("shows and writes nothing when no tenant is set", async () => {
    const mine = seed(table, OWN);
    expect(await withoutTenant(statements(mine).select)).toBe(0);
    record(table, "select", "none");
    await expectWrite(table, withoutTenant(statements(mine).update), 0);
    record(table, "update", "none");
    await expectWrite(table, withoutTenant(statements(mine).delete), 0);
    expect(await ownerSees(mine)).toBe(OWN);
    record(table, "delete", "none");
    const row = await freshRow(table, OWN);
    await expectRlsRejection(withoutTenant(statements(row).insert));
    record(table, "insert", "none");
  });
});

describe("the wiki's withTenantContext (set_config only, no role switch)", () => {
  /** The wiki's version, verbatim in substance: it never leaves the bare superuser connection. */
  async function wikiWithTenantContext<T>(
    tenantId: string,
    userId: string,
    fn: (tx: Database) => Promise<T>,
  ): Promise<T> {
    return t.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('app.tenant_id', ${tenantId}, true)`);
      await tx.execute(sql`SELECT set_config('app.user_id', ${userId}, true)`);
      return fn(tx as unknown as Database);
    });
  }

  it.each(tenantTables)("leaks the other tenant's %s row; ours does not", async (table) => {
    const theirs = statements(seed(table, OTHER)).select;
    const wiki = await wikiWithTenantContext(OWN, USER, async (tx) => {
      const result = (await tx.execute(toDrizzleSql(theirs))) as unknown as { rows: unknown[] };
      return result.rows.length;
    });
    expect(wiki, "the wiki's version sees the other tenant's row").toBe(1);
    expect(await asTenant(OWN, theirs)).toBe(0);
  });
});
