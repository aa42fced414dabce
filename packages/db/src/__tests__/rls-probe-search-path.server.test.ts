/**
 * The isolation probe on a database whose default `search_path` puts a schema with a `member`
 * view before `public` (server only: a database's default applies to the sessions opened after
 * it, and PGlite is the one session it started with). The probe names every relation with its
 * schema, so it probes `public.member` and the tenant tables, not the view; it used to take the
 * view's rows for the organizations' members and stop with "tenantId … got null".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Driver, openPostgresDriver } from "@repo/migrator";
import { createDatabase, type DatabaseHandle } from "../client.ts";
import { probeIsolation } from "../testing/isolation-probe.ts";
import { TWO_TENANTS } from "../testing/rls-helpers.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
let handle: DatabaseHandle;
let driver: Driver;

beforeAll(async () => {
  t = await createTestDatabase({ engine: "postgres" });
  await t.driver.exec(`${TWO_TENANTS}
    create schema api;
    grant usage on schema api to authenticated;
    create view api.member with (security_invoker = true) as
      select 'x'::text as id, (select current_setting('app.tenant_id', true)) as organization_id,
             (select current_setting('app.user_id', true)) as user_id, 'owner'::text as role, now() as created_at;
    grant select on api.member to authenticated;
    do $$ begin execute format('alter database %I set search_path = api, public', current_database()); end $$;`);
  if (t.connection.kind !== "postgres") throw new Error("a server test database");
  handle = createDatabase(t.connection);
  driver = await openPostgresDriver(t.connection.url);
});
afterAll(async () => {
  await driver?.close();
  await handle?.close();
  await t?.close();
});

describe("the isolation probe under a database default search_path", () => {
  it("probes public's tables, not the schema the default puts first, and finds the migrated database clean", async () => {
    const [seen] = await driver.query<{ path: string; organization: string | null }>(
      "select current_setting('search_path') as path, (select organization_id from member limit 1) as organization",
    );
    expect(seen).toEqual({ path: "api, public", organization: null });
    expect(await probeIsolation(handle.db, driver)).toEqual([]);
  }, 60_000);
});
