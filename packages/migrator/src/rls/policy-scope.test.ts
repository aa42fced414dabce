/**
 * What a confining comparison may read the setting through, on expressions as `pg_policies`
 * deparses them (under `search_path = pg_catalog`, as `db:rls` reads them): casts of the setting,
 * NULLIF of an empty setting, and helper functions that read it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { expressionConfines, helperBodySetting, type Scope } from "./policy-scope.ts";

beforeAll(loadParser);

const tenant: Scope = { settings: ["app.tenant_id"], column: "organization_id" };
const compare = (setting: string) => `(organization_id = ${setting})`;
const bare = "current_setting('app.tenant_id'::text, true)";
const selected = "( SELECT current_setting('app.tenant_id'::text, true) AS current_setting)";

describe("expressionConfines: a cast on the setting's side", () => {
  it("accepts the casts of a setting to uuid that teams with uuid tenant ids write", () => {
    expect(expressionConfines(compare(`(${bare})::uuid`), tenant)).toBe(true);
    expect(expressionConfines(compare(`(${selected})::uuid`), tenant)).toBe(true);
    expect(
      expressionConfines(
        compare("(( SELECT current_setting('app.tenant_id'::text) AS current_setting))::uuid"),
        tenant,
      ),
    ).toBe(true);
    expect(expressionConfines(compare(`( SELECT (${bare})::uuid AS current_setting)`), tenant)).toBe(true);
  });

  it("accepts casts to the integer types, text and varchar without a length, however they are spelled", () => {
    for (const type of ["bigint", "integer", "smallint", "int", "int4", "int8", "int2", "text", "character varying"]) {
      expect(expressionConfines(compare(`(${selected})::${type}`), tenant), type).toBe(true);
    }
    expect(expressionConfines(compare(`CAST(${selected} AS pg_catalog.int8)`), tenant)).toBe(true);
    expect(expressionConfines(compare(`((${selected})::text)::uuid`), tenant)).toBe(true);
  });

  it("refuses a cast that cuts or pads the setting, so that the session compares with another tenant's id", () => {
    expect(expressionConfines(compare(`(${selected})::character varying(4)`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::character(36)`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::bpchar`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::name`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(((${selected})::character varying(4))::text)::uuid`), tenant)).toBe(false);
    expect(
      expressionConfines(
        "((organization_id)::character varying(4) = (current_setting('app.tenant_id'::text, true))::character varying(4))",
        tenant,
      ),
    ).toBe(false);
  });

  it("refuses a cast to a type off the list: citext makes PostgreSQL compare a citext column case-insensitively", () => {
    expect(expressionConfines(compare(`(${selected})::citext`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::public.citext`), tenant)).toBe(false);
    expect(expressionConfines(compare(`((${selected})::citext)::text`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::public.uuid`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::uuid[]`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::numeric`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(${selected})::double precision`), tenant)).toBe(false);
  });

  it("refuses a cast under the outermost one that reads the setting as an id, which normalises different settings to one", () => {
    // `007` and `7` are one bigint, an upper- and a lower-case uuid one uuid: shown as text again,
    // either session's setting matches the other tenant's text ids.
    expect(expressionConfines(compare(`((${selected})::bigint)::text`), tenant)).toBe(false);
    expect(expressionConfines(compare(`((${selected})::uuid)::text`), tenant)).toBe(false);
    expect(expressionConfines(compare(`((${selected})::integer)::character varying`), tenant)).toBe(false);
    expect(expressionConfines(compare(`((${selected})::smallint)::text`), tenant)).toBe(false);
    expect(expressionConfines(compare(`(( SELECT (${bare})::bigint AS int8))::text`), tenant)).toBe(false);
    expect(expressionConfines(compare(`((NULLIF(${bare}, ''::text))::uuid)::text`), tenant)).toBe(false);
    expect(expressionConfines(compare(`NULLIF((${bare})::uuid, ''::text)::text`), tenant)).toBe(false);
    // Under the outermost cast, text stays text.
    expect(expressionConfines(compare(`(((${selected})::character varying)::text)::uuid`), tenant)).toBe(true);
  });

  it("still refuses a cast of the column that can make two of its values equal", () => {
    expect(expressionConfines(`((organization_id)::bigint = (${selected})::bigint)`, tenant)).toBe(false);
    expect(expressionConfines(`((organization_id)::uuid = (${selected})::uuid)`, tenant)).toBe(false);
  });
});

describe("expressionConfines: NULLIF of the setting", () => {
  it("accepts NULLIF(setting, '') bare, cast, or in a sub-select: it is the setting or NULL, and NULL matches no row", () => {
    expect(expressionConfines(compare(`NULLIF(${bare}, ''::text)`), tenant)).toBe(true);
    expect(expressionConfines(compare(`(NULLIF(${bare}, ''::text))::uuid`), tenant)).toBe(true);
    expect(expressionConfines(compare(`( SELECT (NULLIF(${bare}, ''::text))::uuid AS "nullif")`), tenant)).toBe(true);
    expect(expressionConfines(compare(`(NULLIF(${selected}, ''::text))::bigint`), tenant)).toBe(true);
    expect(expressionConfines(compare(`NULLIF(${bare}, 'none'::character varying)`), tenant)).toBe(true);
  });

  it("refuses a NULLIF whose second argument is not a plain string, or whose first is not the setting", () => {
    // The second argument's type decides the comparison NULLIF makes and the type it returns.
    expect(expressionConfines(compare(`NULLIF(${bare}, organization_id)`), tenant)).toBe(false);
    expect(expressionConfines(compare(`NULLIF(${bare}, (''::citext)::text)`), tenant)).toBe(false);
    expect(expressionConfines(compare(`NULLIF(${bare}, ''::character varying(1))`), tenant)).toBe(false);
    expect(expressionConfines(compare(`NULLIF(${bare}, lower(''::text))`), tenant)).toBe(false);
    expect(expressionConfines(compare(`NULLIF(organization_id, ${bare})`), tenant)).toBe(false);
    expect(expressionConfines(compare("NULLIF(current_setting('app.user_id'::text, true), ''::text)"), tenant)).toBe(
      false,
    );
  });
});

describe("expressionConfines: a helper function that reads the setting", () => {
  const helpers: Record<string, string> = { "app.current_tenant": "app.tenant_id", "app.current_user": "app.user_id" };
  const withHelpers: Scope = {
    ...tenant,
    helperSetting: (schema, name) => {
      const setting = helpers[`${schema ?? "pg_catalog"}.${name}`];
      return setting === undefined ? undefined : { setting, type: "text" };
    },
  };

  it("accepts a call without arguments of a function the scope says reads the setting, bare or in a sub-select", () => {
    expect(expressionConfines(compare("app.current_tenant()"), withHelpers)).toBe(true);
    expect(expressionConfines(compare("( SELECT app.current_tenant() AS current_tenant)"), withHelpers)).toBe(true);
    expect(expressionConfines(compare("(NULLIF(app.current_tenant(), ''::text))::uuid"), withHelpers)).toBe(true);
  });

  it("refuses a cast over a helper whose value is not text: the cast shows a normalised id as one string", () => {
    const typed: Scope = {
      ...tenant,
      helperSetting: (schema, name) =>
        name === "tenant_uuid" ? { setting: "app.tenant_id", type: "uuid" } : undefined,
    };
    expect(expressionConfines(compare("app.tenant_uuid()"), typed)).toBe(true);
    expect(expressionConfines(compare("(app.tenant_uuid())::text"), typed)).toBe(false);
    expect(expressionConfines(compare("(( SELECT app.tenant_uuid() AS tenant_uuid))::character varying"), typed)).toBe(
      false,
    );
    expect(expressionConfines(compare("(app.current_tenant())::uuid"), withHelpers)).toBe(true);
  });

  it("refuses it without that knowledge, for another setting, with arguments, and any other function", () => {
    expect(expressionConfines(compare("app.current_tenant()"), tenant)).toBe(false);
    expect(expressionConfines(compare("app.current_user()"), withHelpers)).toBe(false);
    expect(expressionConfines(compare("app.current_tenant(organization_id)"), withHelpers)).toBe(false);
    expect(expressionConfines(compare("app.current_tenant('app.tenant_id'::text)"), withHelpers)).toBe(false);
    expect(expressionConfines(compare("app.current_tenant(VARIADIC ARRAY[]::text[])"), withHelpers)).toBe(false);
    expect(expressionConfines(compare("current_tenant()"), withHelpers)).toBe(false);
    expect(expressionConfines(compare("public.current_tenant()"), withHelpers)).toBe(false);
  });
});

describe("expressionConfines: bare names another schema may take", () => {
  const setting = "( SELECT current_setting('app.tenant_id', true) AS current_setting)";
  const shadowing = (...names: string[]): Scope => ({ ...tenant, shadowed: (name) => names.includes(name) });

  it("refuses a cast to a bare type name the scope says may be another schema's (a domain app.uuid found first)", () => {
    expect(expressionConfines(compare(`(${setting})::uuid`), shadowing("uuid"))).toBe(false);
    expect(expressionConfines(compare(`(${setting})::int8`), shadowing("int8"))).toBe(false);
    expect(expressionConfines(compare(`(${setting})::text`), shadowing("text"))).toBe(false);
    expect(expressionConfines(`((organization_id)::text = ${setting})`, shadowing("text"))).toBe(false);
    expect(expressionConfines(compare(`NULLIF(${setting}, ''::text)`), shadowing("text"))).toBe(false);
  });

  it("still counts pg_catalog's types written qualified or as SQL keywords, and other bare names", () => {
    expect(expressionConfines(compare(`(${setting})::pg_catalog.uuid`), shadowing("uuid"))).toBe(true);
    expect(expressionConfines(compare(`(${setting})::bigint`), shadowing("int8"))).toBe(true);
    expect(expressionConfines(compare(`(${setting})::character varying`), shadowing("varchar"))).toBe(true);
    expect(expressionConfines(compare(`(${setting})::uuid`), shadowing("int8"))).toBe(true);
  });

  it("counts a bare current_setting only when the scope says no other schema's may take its name", () => {
    expect(expressionConfines(compare(setting), shadowing("current_setting"))).toBe(false);
    expect(
      expressionConfines(compare("pg_catalog.current_setting('app.tenant_id', true)"), shadowing("current_setting")),
    ).toBe(true);
  });
});

describe("helperBodySetting: the setting a SQL function's body reads, when that is all it does", () => {
  it("reads the setting of a body that selects it, cast or NULLIF'd as a policy may", () => {
    expect(helperBodySetting("SELECT current_setting('app.tenant_id', true)")?.setting).toBe("app.tenant_id");
    expect(helperBodySetting("\n  select pg_catalog.current_setting('app.tenant_id', true)::uuid;\n")?.setting).toBe(
      "app.tenant_id",
    );
    expect(helperBodySetting("SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint")?.setting).toBe(
      "app.tenant_id",
    );
    expect(helperBodySetting("SELECT current_setting('app.user_id')")?.setting).toBe("app.user_id");
  });

  it("reports the type of the value the body selects: its outermost cast's, or text", () => {
    expect(helperBodySetting("SELECT current_setting('app.tenant_id', true)")).toEqual({
      setting: "app.tenant_id",
      type: "text",
    });
    expect(helperBodySetting("SELECT current_setting('app.tenant_id', true)::uuid")?.type).toBe("uuid");
    expect(helperBodySetting("SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint")?.type).toBe("int8");
    expect(helperBodySetting("SELECT (SELECT current_setting('app.tenant_id', true)::integer)")?.type).toBe("int4");
    expect(helperBodySetting("SELECT current_setting('app.tenant_id', true)::varchar")?.type).toBe("varchar");
    expect(helperBodySetting("SELECT current_setting('app.tenant_id', true)::int8::text")).toBeUndefined();
  });

  it("under a search_path that lists another schema before pg_catalog, counts only pg_catalog's names", () => {
    const shadowed = (body: string) => helperBodySetting(body, false);
    expect(shadowed("SELECT current_setting('app.tenant_id', true)")).toBeUndefined();
    expect(shadowed("SELECT pg_catalog.current_setting('app.tenant_id', true)::uuid")).toBeUndefined();
    expect(shadowed("SELECT pg_catalog.current_setting('app.tenant_id', true)")).toEqual({
      setting: "app.tenant_id",
      type: "text",
    });
    expect(shadowed("SELECT pg_catalog.current_setting('app.tenant_id', true)::pg_catalog.uuid")?.type).toBe("uuid");
    expect(shadowed("SELECT pg_catalog.current_setting('app.tenant_id', true)::bigint")?.type).toBe("int8");
  });

  it("refuses a body that does anything else", () => {
    for (const body of [
      "SELECT current_setting('app.tenant_id', true) OR true",
      "SELECT coalesce(current_setting('app.tenant_id', true), organization_id) FROM organization",
      "SELECT current_setting('app.tenant_id', true) FROM organization",
      "SELECT current_setting('app.tenant_id', true) WHERE true",
      "SELECT current_setting('app.tenant_id', true) UNION SELECT 'other'",
      "SELECT current_setting('app.tenant_id', true) LIMIT 1",
      "SELECT DISTINCT current_setting('app.tenant_id', true)",
      "WITH t AS (SELECT 1) SELECT current_setting('app.tenant_id', true)",
      "SELECT current_setting('app.tenant_id', true)::citext",
      "SELECT current_setting('app.tenant_id', true)::varchar(4)",
      "SELECT set_config('app.tenant_id', 'other', true); SELECT current_setting('app.tenant_id', true)",
      "SELECT current_setting('app.tenant_id', true), 1",
      "SELECT app.current_tenant()",
      "SELECT public.current_setting('app.tenant_id', true)",
      "SELECT current_setting(name, true) FROM tenant_setting",
      "BEGIN RETURN current_setting('app.tenant_id', true); END",
      "",
      "SELECT",
    ]) {
      expect(helperBodySetting(body), body).toBeUndefined();
    }
  });
});
