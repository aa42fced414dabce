/**
 * The tenant policies real projects write, judged by `db:rls` from the catalog of the test
 * project's engine: reading the setting cast to uuid or bigint, NULLIF'd, or through a helper
 * function, against the hostile variants of each. Each test builds its tables, functions and
 * policies in a transaction it rolls back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../drivers/driver.ts";
import { openTestEngineDriver, testEngine as engine } from "../drivers/testing/test-engine-driver.ts";
import { withRollback } from "../testing/with-rollback.ts";
import { probeRlsCatalog } from "./catalog-probe.ts";
import { buildCoverageMatrix } from "./coverage-matrix.ts";
import type { RlsConfig } from "./rls-config.ts";

const config: RlsConfig = {
  schema: "helper_scope",
  tenantColumn: "organization_id",
  role: "authenticated",
  tenantSetting: "app.tenant_id",
  userSetting: "app.user_id",
};

let driver: Driver;
beforeAll(async () => {
  driver = await openTestEngineDriver();
});
afterAll(async () => {
  await driver?.close();
});

/**
 * The schema the tables live in and `helper_app`, where the helpers live: the server has the role
 * `authenticated` already; the embedded database gets it inside the transaction.
 */
const SCHEMAS = `
  CREATE SCHEMA helper_scope;
  CREATE SCHEMA helper_app;
  GRANT USAGE ON SCHEMA helper_scope, helper_app TO authenticated;`;

/** A tenant table whose one policy, for every command, is `<expression>` in USING and WITH CHECK. */
const tenantTable = (name: string, type: string, expression: string) => `
  CREATE TABLE helper_scope.${name} (id int PRIMARY KEY, organization_id ${type} NOT NULL);
  CREATE INDEX ON helper_scope.${name} (organization_id);
  ALTER TABLE helper_scope.${name} ENABLE ROW LEVEL SECURITY;
  GRANT SELECT, INSERT, UPDATE, DELETE ON helper_scope.${name} TO authenticated;
  CREATE POLICY ${name}_all ON helper_scope.${name} FOR ALL TO authenticated
    USING (${expression}) WITH CHECK (${expression});`;

/** The tables whose policy `db:rls` calls unconfined (`unscoped-policy`), after `sql` ran. */
async function unconfinedTables(sql: string): Promise<string[]> {
  return withRollback(driver, async (tx) => {
    if (engine === "pglite") await tx.exec("CREATE ROLE authenticated NOLOGIN");
    await tx.exec(SCHEMAS + sql);
    const matrix = buildCoverageMatrix(await probeRlsCatalog(tx, config));
    return matrix.findings
      .filter((finding) => finding.code === "unscoped-policy")
      .map((finding) => finding.table ?? "")
      .sort();
  });
}

const setting = "current_setting('app.tenant_id', true)";

describe("db:rls accepts the ways teams read the tenant setting", () => {
  it("a cast of the setting to uuid or an integer type, bare, in a sub-select, or of NULLIF(…, '')", async () => {
    const sql = [
      tenantTable("bare_uuid", "uuid", `organization_id = ${setting}::uuid`),
      tenantTable("selected_uuid", "uuid", "organization_id = (SELECT current_setting('app.tenant_id'))::uuid"),
      tenantTable("nullif_uuid", "uuid", `organization_id = NULLIF(${setting}, '')::uuid`),
      tenantTable("nullif_selected", "uuid", `organization_id = (SELECT NULLIF(${setting}, '')::uuid)`),
      tenantTable("bigint_id", "bigint", `organization_id = (SELECT ${setting})::bigint`),
      tenantTable("int_id", "integer", `organization_id = (SELECT ${setting})::int`),
      tenantTable("int8_id", "bigint", `organization_id = (SELECT ${setting})::int8`),
      tenantTable("smallint_id", "smallint", `organization_id = (SELECT ${setting})::smallint`),
      tenantTable("varchar_id", "varchar(64)", `organization_id = (SELECT ${setting})::varchar`),
      tenantTable("text_id", "text", `organization_id = (SELECT ${setting})::text`),
    ].join("\n");
    expect(await unconfinedTables(sql)).toEqual([]);
  });

  it("a SQL helper without arguments whose body reads the setting, called bare or in a sub-select", async () => {
    const sql = `
      CREATE FUNCTION helper_app.current_tenant() RETURNS uuid LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true)::uuid $$;
      CREATE FUNCTION helper_app.tenant_text() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '') $$;
      GRANT EXECUTE ON FUNCTION helper_app.current_tenant(), helper_app.tenant_text() TO authenticated;
      ${tenantTable("by_helper", "uuid", "organization_id = helper_app.current_tenant()")}
      ${tenantTable("by_selected_helper", "uuid", "organization_id = (SELECT helper_app.current_tenant())")}
      ${tenantTable("by_text_helper", "text", "organization_id = (SELECT helper_app.tenant_text())")}`;
    expect(await unconfinedTables(sql)).toEqual([]);
  });

  it("and such a helper does confine: a tenant's session sees its own rows alone", async () => {
    const rows = await withRollback(driver, async (tx) => {
      if (engine === "pglite") await tx.exec("CREATE ROLE authenticated NOLOGIN");
      await tx.exec(`${SCHEMAS}
        CREATE FUNCTION helper_app.current_tenant() RETURNS uuid LANGUAGE sql STABLE
          AS $$ SELECT current_setting('app.tenant_id', true)::uuid $$;
        ${tenantTable("note", "uuid", "organization_id = helper_app.current_tenant()")}
        INSERT INTO helper_scope.note VALUES (1, '00000000-0000-0000-0000-00000000000a'),
                                             (2, '00000000-0000-0000-0000-00000000000b');
        SELECT set_config('app.tenant_id', '00000000-0000-0000-0000-00000000000a', true);
        SET LOCAL ROLE authenticated;`);
      return tx.query<{ id: number }>("SELECT id FROM helper_scope.note ORDER BY id");
    });
    expect(rows).toEqual([{ id: 1 }]);
  });
});

describe("db:rls still refuses", () => {
  it("a cut cast on both sides, and a NULLIF that can return something other than the setting", async () => {
    const sql = [
      tenantTable(
        "cut",
        "text",
        "organization_id::varchar(4) = (SELECT current_setting('app.tenant_id', true))::varchar(4)",
      ),
      tenantTable("cut_setting", "text", `organization_id = (SELECT ${setting})::varchar(4)`),
      tenantTable("nullif_column", "text", `organization_id = NULLIF(${setting}, organization_id)`),
      tenantTable("nullif_swapped", "text", `organization_id = NULLIF(organization_id, ${setting})`),
    ].join("\n");
    expect(await unconfinedTables(sql)).toEqual(["cut", "cut_setting", "nullif_column", "nullif_swapped"]);
  });

  it("a chain of casts of the setting: it normalises different settings to one id, shown as one string", async () => {
    const sql = [
      tenantTable("via_int8", "text", `organization_id = (SELECT ${setting})::int8::text`),
      tenantTable("via_uuid", "text", `organization_id = (SELECT ${setting})::uuid::text`),
      tenantTable("via_int4", "text", `organization_id = (SELECT ${setting})::int4::varchar`),
      tenantTable("via_selected", "text", `organization_id = (SELECT ${setting}::bigint)::text`),
    ].join("\n");
    expect(await unconfinedTables(sql)).toEqual(["via_int4", "via_int8", "via_selected", "via_uuid"]);
  });

  it("which would let tenant 007 read and write tenant 7's rows", async () => {
    const rows = await withRollback(driver, async (tx) => {
      if (engine === "pglite") await tx.exec("CREATE ROLE authenticated NOLOGIN");
      await tx.exec(`${SCHEMAS}
        ${tenantTable("note", "text", `organization_id = (SELECT ${setting})::int8::text`)}
        INSERT INTO helper_scope.note VALUES (1, '7'), (2, '8');
        SELECT set_config('app.tenant_id', '007', true);
        SET LOCAL ROLE authenticated;`);
      return tx.query<{ id: number }>("SELECT id FROM helper_scope.note ORDER BY id");
    });
    expect(rows).toEqual([{ id: 1 }]);
  });

  it("a helper whose declared type differs from its body's: PostgreSQL converts the value, normalising it", async () => {
    const sql = `
      CREATE FUNCTION helper_app.tenant_as_text() RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true)::uuid $$;
      CREATE FUNCTION helper_app.tenant_int_as_text() RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true)::bigint $$;
      CREATE FUNCTION helper_app.tenant_varchar_as_text() RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true)::varchar $$;
      CREATE FUNCTION helper_app.tenant_uuid() RETURNS uuid LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true)::uuid $$;
      ${tenantTable("uuid_as_text", "text", "organization_id = helper_app.tenant_as_text()")}
      ${tenantTable("int_as_text", "text", "organization_id = helper_app.tenant_int_as_text()")}
      ${tenantTable("varchar_as_text", "text", "organization_id = helper_app.tenant_varchar_as_text()")}
      ${tenantTable("uuid_cast_to_text", "text", "organization_id = helper_app.tenant_uuid()::text")}`;
    expect(await unconfinedTables(sql)).toEqual([
      "int_as_text",
      "uuid_as_text",
      "uuid_cast_to_text",
      "varchar_as_text",
    ]);
  });

  it("a helper whose own search_path lists another schema before pg_catalog, for a bare name of its body", async () => {
    const sql = `
      CREATE SCHEMA helper_shadow;
      CREATE FUNCTION helper_shadow.current_setting(text, boolean) RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT '7' $$;
      CREATE FUNCTION helper_app.shadowed() RETURNS text LANGUAGE sql STABLE
        SET search_path = helper_shadow, pg_catalog AS $$ SELECT current_setting('app.tenant_id', true) $$;
      CREATE FUNCTION helper_app.shadowed_type() RETURNS uuid LANGUAGE sql STABLE
        SET search_path = helper_shadow, pg_catalog AS $$ SELECT pg_catalog.current_setting('app.tenant_id', true)::uuid $$;
      CREATE FUNCTION helper_app.temp_first() RETURNS text LANGUAGE sql STABLE
        SET search_path = pg_temp, pg_catalog AS $$ SELECT current_setting('app.tenant_id', true) $$;
      CREATE FUNCTION helper_app.qualified() RETURNS uuid LANGUAGE sql STABLE
        SET search_path = helper_shadow, pg_catalog
        AS $$ SELECT pg_catalog.current_setting('app.tenant_id', true)::pg_catalog.uuid $$;
      CREATE FUNCTION helper_app.catalog_first() RETURNS text LANGUAGE sql STABLE
        SET search_path = pg_catalog, helper_shadow AS $$ SELECT current_setting('app.tenant_id', true) $$;
      CREATE FUNCTION helper_app.catalog_implied() RETURNS text LANGUAGE sql STABLE
        SET search_path = helper_shadow AS $$ SELECT current_setting('app.tenant_id', true) $$;
      ${tenantTable("with_shadowed", "text", "organization_id = helper_app.shadowed()")}
      ${tenantTable("with_shadowed_type", "uuid", "organization_id = helper_app.shadowed_type()")}
      ${tenantTable("with_temp_first", "text", "organization_id = helper_app.temp_first()")}
      ${tenantTable("with_qualified", "uuid", "organization_id = helper_app.qualified()")}
      ${tenantTable("with_catalog_first", "text", "organization_id = helper_app.catalog_first()")}
      ${tenantTable("with_catalog_implied", "text", "organization_id = helper_app.catalog_implied()")}`;
    expect(await unconfinedTables(sql)).toEqual(["with_shadowed", "with_shadowed_type", "with_temp_first"]);
  });

  it("which would read the constant of the function its search_path finds first", async () => {
    const rows = await withRollback(driver, async (tx) => {
      if (engine === "pglite") await tx.exec("CREATE ROLE authenticated NOLOGIN");
      await tx.exec(`${SCHEMAS}
        CREATE SCHEMA helper_shadow;
        GRANT USAGE ON SCHEMA helper_shadow TO authenticated;
        CREATE FUNCTION helper_shadow.current_setting(text, boolean) RETURNS text LANGUAGE sql STABLE
          AS $$ SELECT '7' $$;
        CREATE FUNCTION helper_app.shadowed() RETURNS text LANGUAGE sql STABLE
          SET search_path = helper_shadow, pg_catalog AS $$ SELECT current_setting('app.tenant_id', true) $$;
        ${tenantTable("note", "text", "organization_id = helper_app.shadowed()")}
        INSERT INTO helper_scope.note VALUES (1, '7'), (2, '8');
        SELECT set_config('app.tenant_id', '8', true);
        SET LOCAL ROLE authenticated;`);
      return tx.query<{ id: number }>("SELECT id FROM helper_scope.note ORDER BY id");
    });
    expect(rows).toEqual([{ id: 1 }]);
  });

  it("a helper that takes an argument, reads another setting, does more, or can be folded into a kept plan", async () => {
    const sql = `
      CREATE FUNCTION helper_app.tenant_or(fallback text DEFAULT '') RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT coalesce(current_setting('app.tenant_id', true), fallback) $$;
      CREATE FUNCTION helper_app.tenant_ignoring(unused text DEFAULT '') RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true) $$;
      CREATE FUNCTION helper_app.current_user_id() RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.user_id', true) $$;
      CREATE FUNCTION helper_app.tenant_or_any() RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT CASE WHEN current_setting('app.tenant_id', true) IS NULL THEN 'org_a'
                          ELSE current_setting('app.tenant_id', true) END $$;
      CREATE FUNCTION helper_app.tenant_plpgsql() RETURNS text LANGUAGE plpgsql STABLE
        AS $$ BEGIN IF current_setting('app.tenant_id', true) IS NULL THEN RETURN 'org_a'; END IF;
                    RETURN current_setting('app.tenant_id', true); END $$;
      CREATE FUNCTION helper_app.tenant_immutable() RETURNS text LANGUAGE sql IMMUTABLE
        AS $$ SELECT current_setting('app.tenant_id', true) $$;
      CREATE FUNCTION helper_app.tenant_fixed() RETURNS text LANGUAGE sql STABLE SET app.tenant_id = 'org_a'
        AS $$ SELECT current_setting('app.tenant_id', true) $$;
      CREATE FUNCTION helper_app.tenant_bpchar() RETURNS character LANGUAGE sql STABLE
        AS $$ SELECT current_setting('app.tenant_id', true) $$;
      ${tenantTable("with_argument", "text", "organization_id = helper_app.tenant_or()")}
      ${tenantTable("with_unused_argument", "text", "organization_id = helper_app.tenant_ignoring()")}
      ${tenantTable("with_user", "text", "organization_id = helper_app.current_user_id()")}
      ${tenantTable("with_or_any", "text", "organization_id = helper_app.tenant_or_any()")}
      ${tenantTable("with_plpgsql", "text", "organization_id = helper_app.tenant_plpgsql()")}
      ${tenantTable("with_immutable", "text", "organization_id = helper_app.tenant_immutable()")}
      ${tenantTable("with_fixed", "text", "organization_id = helper_app.tenant_fixed()")}
      ${tenantTable("with_bpchar", "text", "organization_id = helper_app.tenant_bpchar()")}`;
    expect(await unconfinedTables(sql)).toEqual([
      "with_argument",
      "with_bpchar",
      "with_fixed",
      "with_immutable",
      "with_or_any",
      "with_plpgsql",
      "with_unused_argument",
      "with_user",
    ]);
  });

  it("a helper an app role owns or whose schema it can create in, and one whose name stands for two functions", async () => {
    const body = "AS $$ SELECT current_setting('app.tenant_id', true) $$";
    const sql = `
      CREATE SCHEMA helper_open;
      GRANT USAGE, CREATE ON SCHEMA helper_open TO authenticated;
      CREATE FUNCTION helper_app.owned_tenant() RETURNS text LANGUAGE sql STABLE ${body};
      ALTER FUNCTION helper_app.owned_tenant() OWNER TO authenticated;
      CREATE FUNCTION helper_open.current_tenant() RETURNS text LANGUAGE sql STABLE ${body};
      ${tenantTable("with_owned", "text", "organization_id = helper_app.owned_tenant()")}
      ${tenantTable("with_open_schema", "text", "organization_id = helper_open.current_tenant()")}
      -- Both policies below print as helper_app.pick(): one runs the overload with a default argument.
      CREATE FUNCTION helper_app.pick(fallback text DEFAULT 'org_a') RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT fallback $$;
      ${tenantTable("with_default", "text", "organization_id = helper_app.pick()")}
      CREATE FUNCTION helper_app.good() RETURNS text LANGUAGE sql STABLE ${body};
      ${tenantTable("with_good", "text", "organization_id = helper_app.good()")}
      ALTER FUNCTION helper_app.good() RENAME TO pick;`;
    expect(await unconfinedTables(sql)).toEqual(["with_default", "with_good", "with_open_schema", "with_owned"]);
  });
});
