/**
 * Small helpers the RLS tests share: two tenants' rows to break isolation with, a hole opened and
 * rolled back, run a generated statement through a Drizzle transaction, and recognise a
 * row-level-security rejection through Drizzle's error wrapping.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Driver } from "@repo/migrator";
import type { FixtureStatement } from "@repo/migrator/testing";
import type { Transaction } from "../client.ts";

/** Two organizations (org_own, org_other), a user who is a member of the first (user_own), a plan of each (plan_own, plan_other). */
export const TWO_TENANTS = `
  insert into organization (id, name, slug) values ('org_own', 'own', 'own'), ('org_other', 'other', 'other');
  insert into "user" (id, name, email) values ('user_own', 'own', 'own@example.com');
  insert into member (id, organization_id, user_id, role) values ('member_own', 'org_own', 'user_own', 'owner');
  insert into research_plan (id, organization_id, title, question)
    values ('plan_own', 'org_own', 'own plan', 'q'), ('plan_other', 'org_other', 'other plan', 'q');
`;

/**
 * Opens a hole (`sql`, as the owner) in a transaction, runs `fn` inside it, and rolls everything
 * back. The hole runs inside the try: one the owner may not open (an event trigger needs a
 * superuser) is rolled back too.
 */
export async function withHole<T>(driver: Driver, sql: string, fn: () => Promise<T>): Promise<T> {
  await driver.exec("begin");
  try {
    await driver.exec(sql);
    return await fn();
  } finally {
    await driver.exec("rollback");
  }
}

/**
 * Runs `sql` as the tenant role for org_own / user_own ({@link TWO_TENANTS}) inside the open
 * transaction, under a savepoint rolled back afterwards, and returns its rows.
 */
export async function queryAsTenant<Row>(driver: Driver, sql: string): Promise<Row[]> {
  await driver.exec(`savepoint as_tenant;
    select set_config('app.tenant_id', 'org_own', true), set_config('app.user_id', 'user_own', true),
           set_config('role', 'authenticated', true)`);
  try {
    return await driver.query<Row>(sql);
  } finally {
    await driver.exec("rollback to savepoint as_tenant; reset role");
  }
}

/** Whether the session's user is a superuser (CI's isolation pass runs as an owner that is not). */
export async function ownerIsSuperuser(driver: Driver): Promise<boolean> {
  const [row] = await driver.query<{ superuser: boolean }>(
    "select rolsuper as superuser from pg_roles where rolname = current_user",
  );
  return row?.superuser === true;
}

/** A `$n`-placeholder statement as Drizzle SQL with the same parameters. */
export function toDrizzleSql(statement: FixtureStatement): SQL {
  const parts = statement.text.split(/\$(\d+)/);
  return sql.join(
    parts.map((part, i) => (i % 2 === 1 ? sql`${statement.params[Number(part) - 1]}` : sql.raw(part))),
    sql.raw(""),
  );
}

/** Runs a generated statement in a transaction and returns how many rows it returned. */
export async function rowCount(tx: Transaction, statement: FixtureStatement): Promise<number> {
  const result = (await tx.execute(toDrizzleSql(statement))) as unknown as { rows: unknown[] };
  return result.rows.length;
}

/** The SQLSTATE codes of an error and its causes (Drizzle wraps the driver's error). */
export function sqlStates(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error; typeof e === "object" && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    if (!(e as { cause?: unknown }).cause) break;
  }
  return codes;
}

/** SQLSTATE 42501: "new row violates row-level security policy" (or a missing privilege). */
export const INSUFFICIENT_PRIVILEGE = "42501";
