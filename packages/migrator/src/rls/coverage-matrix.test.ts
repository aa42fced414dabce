import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { callsSettingPerRow } from "../sql/setting-calls.ts";
import type { PolicyFunctionInfo, PolicyInfo, RelationInfo, RlsCatalog } from "./catalog-probe.ts";
import { buildCoverageMatrix } from "./coverage-matrix.ts";
import { expressionConfines } from "./policy-scope.ts";

beforeAll(loadParser);

const config = {
  schema: "public",
  tenantColumn: "org_id",
  role: "app_user",
  tenantSetting: "app.org",
  userSetting: "app.user",
  otherRoles: ["guest"],
  sharedTables: ["countries"],
  definerRoutines: ["audited_total"],
};
const scoped = "(org_id = ( SELECT current_setting('app.org'::text, true) AS current_setting))";

function policy(table: string, command: string, overrides: Partial<PolicyInfo> = {}): PolicyInfo {
  const using = command === "insert" ? null : scoped;
  const withCheck = command === "insert" || command === "update" ? scoped : null;
  return {
    table,
    relname: table,
    name: `${table}_${command}`,
    permissive: true,
    roles: ["app_user"],
    command,
    using,
    withCheck,
    ...overrides,
  };
}

function relation(name: string, overrides: Partial<RelationInfo> = {}): RelationInfo {
  return {
    name,
    kind: "table",
    rlsEnabled: false,
    hasTenantColumn: false,
    securityInvoker: false,
    tenantIndex: false,
    readsTenantTables: [],
    readsRelations: [],
    access: { app_user: ["SELECT"] },
    rules: [],
    definerTriggers: [],
    definerDependencies: [],
    actionTriggers: [],
    descendants: [],
    ...overrides,
  };
}

const safeRole = { name: "app_user", exists: true, superuser: false, bypassRls: false, ownedTables: [] };

function catalog(overrides: Partial<RlsCatalog> = {}): RlsCatalog {
  return {
    config,
    tenantTables: [
      { table: "notes", rlsEnabled: true, rlsForced: false, owner: "owner", nondeterministicCollation: null },
    ],
    policies: ["select", "insert", "update", "delete"].map((c) => policy("notes", c)),
    readableNonTenantTables: [{ table: "countries", rlsEnabled: false, policies: [] }],
    role: safeRole,
    relations: [
      relation("notes", {
        rlsEnabled: true,
        hasTenantColumn: true,
        tenantIndex: true,
        access: { app_user: ["SELECT", "INSERT", "UPDATE", "DELETE"] },
      }),
      relation("countries"),
      relation("secrets", { access: {} }),
    ],
    routines: [],
    appRoles: [
      { ...safeRole, escalations: [], memberOf: [], createSchemas: [], largeObjects: 0 },
      { ...safeRole, name: "guest", escalations: [], memberOf: [], createSchemas: [], largeObjects: 0 },
    ],
    ...overrides,
  };
}

const codes = (c: RlsCatalog) => buildCoverageMatrix(c).findings.map((f) => `${f.code} ${f.table ?? ""}`.trim());

describe("callsSettingPerRow", () => {
  it("accepts current_setting inside a sub-select, as PostgreSQL deparses it", () => {
    expect(callsSettingPerRow(scoped)).toBe(false);
    expect(callsSettingPerRow(null)).toBe(false);
  });

  it("flags a bare current_setting, even next to a sub-selected one", () => {
    expect(callsSettingPerRow("(org_id = current_setting('app.org'::text))")).toBe(true);
    expect(callsSettingPerRow(`(${scoped} OR (owner = current_setting('app.user'::text)))`)).toBe(true);
  });
});

describe("buildCoverageMatrix", () => {
  it("names the policy of every command and finds nothing wrong in a covered table", () => {
    const matrix = buildCoverageMatrix(catalog());
    expect(matrix.ok).toBe(true);
    expect(matrix.rows).toEqual([
      {
        table: "notes",
        rlsEnabled: true,
        rlsForced: false,
        commands: {
          select: ["notes_select"],
          insert: ["notes_insert"],
          update: ["notes_update"],
          delete: ["notes_delete"],
        },
      },
    ]);
    expect(matrix.readableNonTenantTables.map((t) => t.table)).toEqual(["countries"]);
    expect(matrix.objects.map((o) => [o.name, o.class])).toEqual([
      ["notes", "tenant"],
      ["countries", "shared"],
      ["secrets", "unreachable"],
    ]);
    expect(matrix.warnings).toEqual([]);
  });

  it("counts a FOR ALL policy for every command, and reports one TO public", () => {
    const all = buildCoverageMatrix(catalog({ policies: [policy("notes", "all", { withCheck: scoped })] }));
    expect(all.ok).toBe(true);
    expect(all.rows[0]?.commands.delete).toEqual(["notes_all"]);
    const toPublic = buildCoverageMatrix(
      catalog({ policies: [policy("notes", "all", { roles: ["public"], withCheck: scoped })] }),
    );
    expect(toPublic.rows[0]?.commands.delete).toEqual(["notes_all"]);
    expect(toPublic.findings.map((f) => f.code)).toEqual(["policy-to-public"]);
  });

  it("judges a policy for a role the tenant role is a member of like one for the tenant role", () => {
    const viaGroup = catalog({
      policies: [
        ...["select", "insert", "update", "delete"].map((c) => policy("notes", c)),
        policy("notes", "select", { name: "notes_support", roles: ["support"], using: "true" }),
        policy("notes", "select", { name: "notes_stranger", roles: ["stranger"], using: "true" }),
      ],
      appRoles: [
        { ...safeRole, escalations: [], memberOf: ["staff", "support"], createSchemas: [], largeObjects: 0 },
        { ...safeRole, name: "guest", escalations: [], memberOf: [], createSchemas: [], largeObjects: 0 },
      ],
    });
    const matrix = buildCoverageMatrix(viaGroup);
    expect(matrix.rows[0]?.commands.select).toEqual(["notes_select", "notes_support"]);
    expect(matrix.findings.map((f) => [f.code, f.policy])).toEqual([["unscoped-policy", "notes_support"]]);
    expect(matrix.findings[0]?.message).toContain("(TO support, of which app_user is a member)");
  });

  it("reports missing commands, disabled RLS and policies for other roles or restrictive ones", () => {
    const matrix = buildCoverageMatrix(
      catalog({
        tenantTables: [
          { table: "notes", rlsEnabled: false, rlsForced: false, owner: "owner", nondeterministicCollation: null },
        ],
        policies: [
          policy("notes", "select"),
          policy("notes", "insert", { roles: ["someone_else"] }),
          policy("notes", "update", { permissive: false }),
        ],
      }),
    );
    expect(matrix.ok).toBe(false);
    expect(matrix.findings.map((f) => [f.code, f.table, f.command])).toEqual([
      ["rls-disabled", "notes", undefined],
      ["missing-policy", "notes", "insert"],
      ["missing-policy", "notes", "update"],
      ["missing-policy", "notes", "delete"],
    ]);
  });

  it("reports a per-row current_setting and a policy that ignores the tenant", () => {
    const matrix = buildCoverageMatrix(
      catalog({
        policies: [
          policy("notes", "select", { using: "(org_id = current_setting('app.org'::text))" }),
          policy("notes", "insert", { withCheck: "true" }),
          policy("notes", "update"),
          policy("notes", "delete"),
        ],
      }),
    );
    expect(matrix.findings.map((f) => [f.code, f.policy])).toEqual([
      ["unscoped-policy", "notes_insert"],
      ["per-row-setting", "notes_select"],
    ]);
  });

  it("reports a role that bypasses RLS, is a superuser, owns a table or is missing", () => {
    const unsafeRole = {
      name: "app_user",
      exists: true,
      superuser: true,
      bypassRls: true,
      ownedTables: ["public.notes"],
    };
    const unsafe = buildCoverageMatrix(
      catalog({
        role: unsafeRole,
        appRoles: [{ ...unsafeRole, escalations: [], memberOf: [], createSchemas: [], largeObjects: 0 }],
      }),
    );
    expect(unsafe.findings.map((f) => f.code)).toEqual(["role-superuser", "role-bypasses-rls", "role-owns-table"]);
    expect(unsafe.findings[2]?.message).toContain("public.notes");
    const gone = { name: "app_user", exists: false, superuser: false, bypassRls: false, ownedTables: [] };
    const missing = buildCoverageMatrix(
      catalog({
        role: gone,
        appRoles: [{ ...gone, escalations: [], memberOf: [], createSchemas: [], largeObjects: 0 }],
      }),
    );
    expect(missing.findings.map((f) => f.code)).toEqual(["role-missing"]);
  });
});

describe("expressionConfines", () => {
  const tenant = { settings: ["app.org"], column: "org_id" };
  it("accepts the tenant comparison, bare or in a sub-select, alone, under AND, and in every OR branch", () => {
    expect(expressionConfines(scoped, tenant)).toBe(true);
    expect(expressionConfines("(org_id = current_setting('app.org'::text, true))", tenant)).toBe(true);
    expect(expressionConfines(`(${scoped} AND (archived = false))`, tenant)).toBe(true);
    expect(expressionConfines(`(${scoped} OR ${scoped})`, tenant)).toBe(true);
  });

  it("refuses true, an OR around the comparison, another setting, another column, another function", () => {
    expect(expressionConfines("true", tenant)).toBe(false);
    expect(expressionConfines(`(${scoped} OR true)`, tenant)).toBe(false);
    expect(expressionConfines("(org_id = ( SELECT current_setting('app.user'::text, true)))", tenant)).toBe(false);
    expect(expressionConfines("(owner_id = ( SELECT current_setting('app.org'::text, true)))", tenant)).toBe(false);
    expect(expressionConfines("(org_id = ( SELECT lower('app.org'::text)))", tenant)).toBe(false);
    expect(expressionConfines("(org_id <> ( SELECT current_setting('app.org'::text, true)))", tenant)).toBe(false);
  });

  it("looks through casts to text or varchar, and through no cast that can cut a value", () => {
    const setting = "( SELECT current_setting('app.org'::text, true) AS current_setting)";
    expect(expressionConfines(`((org_id)::text = ${setting})`, tenant)).toBe(true);
    expect(expressionConfines(`((org_id)::character varying = (${setting})::text)`, tenant)).toBe(true);
    expect(expressionConfines(`((org_id)::character varying(4) = (${setting})::character varying(4))`, tenant)).toBe(
      false,
    );
    expect(expressionConfines(`((org_id)::bpchar = ${setting})`, tenant)).toBe(false);
    expect(expressionConfines(`((org_id)::character(4) = ${setting})`, tenant)).toBe(false);
    expect(expressionConfines(`((org_id)::name = ${setting})`, tenant)).toBe(false);
    expect(
      expressionConfines(`(org_id = (( SELECT current_setting('app.org'::text, true)))::varchar(4))`, tenant),
    ).toBe(false);
    // A cut setting name reads another setting.
    expect(
      expressionConfines("(org_id = ( SELECT current_setting(('app.org.x'::text)::varchar(7), true)))", tenant),
    ).toBe(false);
  });

  it("accepts only PostgreSQL's own current_setting, as pg_get_expr prints it under search_path pg_catalog", () => {
    const call = (fn: string) => `(org_id = ( SELECT ${fn} AS current_setting))`;
    expect(expressionConfines(call("pg_catalog.current_setting('app.org'::text, true)"), tenant)).toBe(true);
    expect(expressionConfines(call("current_setting('app.org'::text)"), tenant)).toBe(true);
    expect(expressionConfines(call("public.current_setting('app.org'::text, true)"), tenant)).toBe(false);
    expect(expressionConfines(call("current_setting('app.org'::text, true, org_id)"), tenant)).toBe(false);
  });

  it("accepts an EXISTS that confines only where allowed (user-scoped tables)", () => {
    const exists =
      "(EXISTS ( SELECT 1 FROM m WHERE ((m.user_id = u.id) AND (m.org_id = ( SELECT current_setting('app.org'::text, true) AS current_setting)))))";
    const user = { settings: ["app.org"], allowExists: true, table: "u" };
    expect(expressionConfines(exists, user)).toBe(true);
    expect(expressionConfines(exists, tenant)).toBe(false);
    expect(expressionConfines("(EXISTS ( SELECT 1 FROM m))", user)).toBe(false);
  });

  it("refuses an EXISTS that is not tied to the policy's row", () => {
    const setting = "( SELECT current_setting('app.org'::text, true) AS current_setting)";
    const user = { settings: ["app.org"], allowExists: true, table: "u" };
    // One matching member row makes it true for every row of u.
    expect(expressionConfines(`(EXISTS ( SELECT 1 FROM m WHERE (m.user_id = ${setting})))`, user)).toBe(false);
    expect(
      expressionConfines(
        `(EXISTS ( SELECT 1 FROM m WHERE ((m.user_id = ${setting}) AND (m.role = 'owner'::text))))`,
        user,
      ),
    ).toBe(false);
    // Naming the row without tying it to the sub-query's rows does not count either.
    expect(
      expressionConfines(`(EXISTS ( SELECT 1 FROM m WHERE ((m.user_id = ${setting}) AND (u.id = u.id))))`, user),
    ).toBe(false);
    // Each OR branch must be both confined and tied to the row.
    expect(
      expressionConfines(
        `(EXISTS ( SELECT 1 FROM m WHERE (((m.user_id = u.id) AND (m.org_id = ${setting})) OR (m.org_id = ${setting}))))`,
        user,
      ),
    ).toBe(false);
    expect(
      expressionConfines(`(EXISTS ( SELECT 1 FROM m WHERE ((u.id = m.user_id) AND (m.org_id = ${setting}))))`, user),
    ).toBe(true);
    // Without knowing the row's name nothing can be tied to it.
    expect(
      expressionConfines(`(EXISTS ( SELECT 1 FROM m WHERE ((u.id = m.user_id) AND (m.org_id = ${setting}))))`, {
        settings: ["app.org"],
        allowExists: true,
      }),
    ).toBe(false);
  });
});

describe("expressionConfines: what a scoping EXISTS may be", () => {
  const setting = "( SELECT current_setting('app.org'::text, true) AS current_setting)";
  const user = { settings: ["app.org"], allowExists: true, table: "u" };
  const where = `WHERE ((m.user_id = u.id) AND (m.org_id = ${setting}))`;
  const exists = (select: string) => expressionConfines(`(EXISTS ( ${select}))`, user);

  it("accepts a plain SELECT of a constant or a column", () => {
    expect(exists(`SELECT 1 FROM public.m ${where}`)).toBe(true);
    expect(exists(`SELECT m.user_id FROM public.m ${where}`)).toBe(true);
  });

  it("refuses an aggregate, GROUP BY or HAVING: the sub-select returns a row even when none matches", () => {
    expect(exists(`SELECT count(*) AS count FROM public.m ${where}`)).toBe(false);
    expect(exists(`SELECT max(m.user_id) AS max FROM public.m ${where}`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} HAVING true`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} GROUP BY ()`)).toBe(false);
    expect(exists(`SELECT m.user_id FROM public.m ${where} GROUP BY m.user_id`)).toBe(false);
  });

  it("refuses what scoping does not need: windows, set-returning functions, LIMIT, DISTINCT, set operations, WITH", () => {
    expect(exists(`SELECT count(*) OVER () AS count FROM public.m ${where}`)).toBe(false);
    expect(exists(`SELECT generate_series(1, 2) AS g FROM public.m ${where}`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} LIMIT 1`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} OFFSET 0`)).toBe(false);
    expect(exists(`SELECT DISTINCT 1 FROM public.m ${where}`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} ORDER BY 1`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} UNION ALL SELECT 1`)).toBe(false);
    expect(exists(`WITH x AS (SELECT 1) SELECT 1 FROM public.m ${where}`)).toBe(false);
    expect(exists(`SELECT 1 FROM public.m ${where} FOR UPDATE`)).toBe(false);
  });
});

describe("expressionConfines: what a scoping EXISTS may read", () => {
  const setting = "( SELECT current_setting('app.org'::text, true) AS current_setting)";
  const where = (t: string) => `WHERE ((${t}.user_id = u.id) AND (${t}.org_id = ${setting}))`;
  const tables = new Set(["public.m", "public.u"]);
  const user = {
    settings: ["app.org"],
    allowExists: true,
    table: "u",
    isTable: (schema: string | undefined, name: string) => tables.has(`${schema}.${name}`),
  };
  const exists = (select: string) => expressionConfines(`(EXISTS ( SELECT 1 ${select}))`, user);

  it("accepts one table, by its name or an alias", () => {
    expect(exists(`FROM public.m ${where("m")}`)).toBe(true);
    expect(exists(`FROM public.m mm ${where("mm")}`)).toBe(true);
  });

  it("refuses a sub-select, a function, VALUES or a view in FROM: they make up the rows they like", () => {
    const madeUp = `( SELECT u.id AS user_id, current_setting('app.org'::text, true) AS org_id) m`;
    expect(exists(`FROM ${madeUp} ${where("m")}`)).toBe(false);
    expect(exists(`FROM made_up(u.id) m(user_id, org_id) ${where("m")}`)).toBe(false);
    expect(exists(`FROM (VALUES (u.id, 'x'::text)) m(user_id, org_id) ${where("m")}`)).toBe(false);
    expect(exists(`FROM public.v m ${where("m")}`)).toBe(false);
    expect(exists(`FROM m ${where("m")}`)).toBe(false);
  });

  it("refuses a second table, and columns of anything but the one table", () => {
    // The setting confines m, the tie is on m2: m2 is any member of any organization.
    expect(exists(`FROM public.m, public.m m2 WHERE ((m2.user_id = u.id) AND (m.org_id = ${setting}))`)).toBe(false);
    expect(exists(`FROM public.m JOIN public.m m2 ON true ${where("m")}`)).toBe(false);
    // The setting compared with the row's own column, or an unqualified one, is not the table's.
    expect(exists(`FROM public.m WHERE ((m.user_id = u.id) AND (u.org_id = ${setting}))`)).toBe(false);
    expect(exists(`FROM public.m WHERE ((m.user_id = u.id) AND (org_id = ${setting}))`)).toBe(false);
  });

  it("refuses a table named like the policy's, whose columns pass for the row's", () => {
    expect(exists(`FROM public.m, public.m u WHERE ((m.org_id = ${setting}) AND (m.user_id = u.user_id))`)).toBe(false);
    expect(exists(`FROM public.m u WHERE ((u.org_id = ${setting}) AND (u.user_id = u.id))`)).toBe(false);
  });
});

describe("every reachable object is classified", () => {
  it("reports a granted table without RLS that is not declared shared, and a writable shared one", () => {
    expect(
      codes(
        catalog({
          relations: [
            relation("audit_log", { access: { app_user: ["SELECT", "INSERT"] } }),
            relation("countries", { access: { app_user: ["SELECT", "UPDATE"] } }),
          ],
        }),
      ),
    ).toEqual(["unprotected-table audit_log", "shared-table-writable countries"]);
  });

  it("accepts an RLS table whose policies read the user setting; reports one whose policy does not", () => {
    const own = "(user_id = ( SELECT current_setting('app.user'::text, true) AS current_setting))";
    const tokens = relation("tokens", { rlsEnabled: true });
    const good = catalog({ relations: [tokens], policies: [policy("tokens", "select", { using: own })] });
    expect(codes(good)).toEqual([
      "missing-policy notes",
      "missing-policy notes",
      "missing-policy notes",
      "missing-policy notes",
    ]);
    expect(buildCoverageMatrix(good).objects.map((o) => o.class)).toEqual(["user-scoped"]);
    const open = catalog({ relations: [tokens], policies: [policy("tokens", "select", { using: "true" })] });
    expect(codes(open)).toContain("unscoped-policy tokens");
  });

  it("counts an EXISTS over a membership table only while no app role can write it, which readOnlyTenantTables demands", () => {
    // users(id) visible to members of the tenant: members(org_id, user_id) holds the memberships.
    const sameTenant =
      "(EXISTS ( SELECT 1 FROM public.members WHERE ((members.user_id = users.id) AND (members.org_id = ( SELECT current_setting('app.org'::text, true) AS current_setting)))))";
    const users = relation("users", { rlsEnabled: true });
    const members = (privileges: string[]) =>
      relation("members", {
        rlsEnabled: true,
        hasTenantColumn: true,
        tenantIndex: true,
        access: { app_user: privileges },
      });
    const withMembers = (privileges: string[], readOnly: boolean) =>
      buildCoverageMatrix(
        catalog({
          config: { ...config, ...(readOnly ? { readOnlyTenantTables: ["members"] } : {}) },
          tenantTables: [
            { table: "members", rlsEnabled: true, rlsForced: false, owner: "owner", nondeterministicCollation: null },
          ],
          policies: [policy("members", "select"), policy("users", "select", { using: sameTenant })],
          relations: [members(privileges), users],
        }),
      ).findings.map((f) => `${f.code} ${f.table}${f.command ? ` ${f.command}` : ""}`);
    // Writable by the tenant: it adds a member row for any user and then sees that user.
    expect(withMembers(["SELECT", "INSERT", "UPDATE", "DELETE"], false)).toEqual([
      "missing-policy members insert",
      "missing-policy members update",
      "missing-policy members delete",
      "unscoped-policy users",
    ]);
    expect(withMembers(["SELECT"], true)).toEqual([]);
    expect(withMembers(["SELECT", "INSERT", "DELETE"], true)).toEqual([
      "read-only-table-writable members",
      "unscoped-policy users",
    ]);
  });

  it("reports views without security_invoker, granted materialized views, and accepts invoker views", () => {
    expect(
      codes(
        catalog({
          relations: [
            relation("report", { kind: "view", readsTenantTables: ["notes"] }),
            relation("safe_report", { kind: "view", securityInvoker: true }),
            relation("totals", { kind: "materialized view", readsTenantTables: ["notes"] }),
          ],
        }),
      ),
    ).toEqual(["definer-view report", "materialized-view-granted totals"]);
  });

  it("reports dangerous privileges, grants to the other roles, missing tenant indexes and WITH CHECK", () => {
    const matrix = buildCoverageMatrix(
      catalog({
        relations: [
          relation("notes", {
            rlsEnabled: true,
            hasTenantColumn: true,
            access: { app_user: ["SELECT", "TRUNCATE"], guest: ["SELECT"] },
          }),
        ],
        policies: [
          ...["select", "insert", "delete"].map((c) => policy("notes", c)),
          policy("notes", "update", { withCheck: null }),
        ],
      }),
    );
    expect(matrix.findings.map((f) => f.code)).toEqual(["missing-with-check", "dangerous-privilege", "stray-grant"]);
    expect(matrix.warnings.map((w) => `${w.code} ${w.table}`)).toEqual(["tenant-index-missing notes"]);
    // The fix speaks of the project's own tenant column, not of another project's index names.
    expect(matrix.warnings[0]?.fix).toBe(
      'add an index whose first column is org_id (CREATE INDEX CONCURRENTLY … ON "notes" ("org_id", …))',
    );
  });

  it("reports rules on reachable relations and SECURITY DEFINER triggers on writable ones", () => {
    const definer = [{ name: "fill", function: "fill_comment()", runsAs: "SECURITY DEFINER" }];
    expect(
      codes(
        catalog({
          relations: [
            relation("feedback", {
              access: { app_user: ["SELECT", "INSERT"] },
              rules: ["flag"],
              definerTriggers: definer,
            }),
            relation("countries", { definerTriggers: definer }),
            relation("secrets", { access: {}, rules: ["log"], definerTriggers: definer }),
          ],
        }),
      ),
    ).toEqual(["relation-rule feedback", "definer-trigger feedback", "unprotected-table feedback"]);
  });

  it("reports an undeclared routine running as another role that a reachable relation calls by OID", () => {
    const dependency = (name: string, via: string) => ({
      via,
      function: `${name}()`,
      name,
      runsAs: "SECURITY DEFINER",
    });
    const matrix = buildCoverageMatrix(
      catalog({
        relations: [
          relation("countries", { definerDependencies: [dependency("internal.latest", "default of column comment")] }),
          relation("report", {
            kind: "view",
            securityInvoker: true,
            definerDependencies: [dependency("audited_total", "view definition")],
          }),
          relation("secrets", { access: {}, definerDependencies: [dependency("internal.latest", "constraint c")] }),
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual(["definer-dependency countries"]);
    expect(matrix.findings[0]?.message).toContain("default of column comment on countries");
    expect(matrix.findings[0]?.fix).toContain("ALTER FUNCTION internal.latest() SECURITY INVOKER");
  });

  it("reports every enabled event trigger the probe lists (extensions' are left out by the probe)", () => {
    const matrix = buildCoverageMatrix(
      catalog({
        eventTriggers: [
          { name: "ddl_audit", event: "ddl_command_end", function: "ddl_audit()", runsAs: "SECURITY DEFINER" },
          { name: "ddl_log", event: "sql_drop", function: "ddl_log()", runsAs: null },
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual([
      "event-trigger ddl_audit",
      "event-trigger ddl_log",
    ]);
    expect(matrix.findings[0]?.message).toContain("(SECURITY DEFINER)");
    expect(matrix.findings[0]?.fix).toContain(`DROP EVENT TRIGGER "ddl_audit"`);
  });

  it("reports SECURITY DEFINER routines that are undeclared or unpinned, and accepts invoker ones", () => {
    const routine = (name: string, securityDefiner: boolean, pinnedSearchPath: boolean, setsRole?: string) => ({
      signature: `${name}()`,
      name,
      securityDefiner,
      setsRole: setsRole ?? null,
      pinnedSearchPath,
      extension: null,
      executableBy: ["app_user"],
    });
    expect(
      codes(
        catalog({
          routines: [
            routine("plain", false, false),
            routine("leaky", true, true),
            routine("audited_total", true, false),
            routine("audited_total", true, true),
          ],
        }),
      ),
    ).toEqual(["definer-routine leaky()", "definer-search-path audited_total()"]);
  });

  it("judges a SECURITY INVOKER routine or trigger function defined with SET role like a SECURITY DEFINER one", () => {
    const routine = (name: string, setsRole: string | null) => ({
      signature: `${name}()`,
      name,
      securityDefiner: false,
      setsRole,
      pinnedSearchPath: false,
      extension: null,
      executableBy: ["app_user"],
    });
    const matrix = buildCoverageMatrix(
      catalog({
        routines: [routine("plain", null), routine("as_owner", "role=owner"), routine("audited_total", "role=owner")],
        relations: [
          relation("feedback", {
            rlsEnabled: true,
            access: { app_user: ["INSERT"] },
            definerTriggers: [{ name: "touch", function: "touch()", runsAs: "SET role=owner" }],
          }),
        ],
        policies: [
          policy("feedback", "insert", { withCheck: "(user_id = ( SELECT current_setting('app.user'::text, true)))" }),
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual([
      "missing-policy notes",
      "missing-policy notes",
      "missing-policy notes",
      "missing-policy notes",
      "definer-trigger feedback",
      "definer-routine as_owner()",
      "definer-search-path as_owner()",
      "definer-search-path audited_total()",
    ]);
    expect(matrix.objects.filter((o) => o.kind === "routine").map((o) => [o.name, o.class])).toEqual([
      ["plain()", "invoker routine"],
      ["as_owner()", "unclassified"],
      ["audited_total()", "declared definer"],
    ]);
    expect(matrix.findings.find((f) => f.code === "definer-trigger")?.message).toContain("(SET role=owner)");
    expect(matrix.findings.find((f) => f.code === "definer-routine")?.message).toContain("(SET role=owner)");
    expect(matrix.findings.find((f) => f.code === "definer-trigger")?.fix).toContain(
      "ALTER FUNCTION touch() RESET role",
    );
  });

  it("reports an app role that can CREATE in a schema or is a member of a role that bypasses RLS", () => {
    expect(
      codes(
        catalog({
          appRoles: [
            { ...safeRole, escalations: ["owner"], memberOf: ["owner"], createSchemas: ["public"], largeObjects: 0 },
            {
              ...safeRole,
              name: "guest",
              bypassRls: true,
              escalations: [],
              memberOf: [],
              createSchemas: [],
              largeObjects: 0,
            },
          ],
        }),
      ),
    ).toEqual(["role-escalation", "schema-create public", "role-bypasses-rls"]);
  });

  it("reports large objects an app role owns: they have no RLS, and every tenant runs as that role", () => {
    const owning = (largeObjects: number) =>
      codes(catalog({ appRoles: [{ ...safeRole, escalations: [], memberOf: [], createSchemas: [], largeObjects }] }));
    expect(owning(0)).toEqual([]);
    expect(owning(2)).toEqual(["large-object-owned"]);
  });

  it("finds a foreign key between tenant tables that leaves the tenant column out, naming what the other tenant's delete does", () => {
    const reference = (onDelete: string, tenantPaired: boolean) => ({
      table: "notes",
      constraint: "notes_doc_fk",
      references: "archive.docs",
      columns: ["doc_id"],
      referencedColumns: ["id"],
      onDelete,
      tenantPaired,
    });
    const warned = (onDelete: string, tenantPaired = false) =>
      buildCoverageMatrix(catalog({ tenantReferences: [reference(onDelete, tenantPaired)] })).findings;
    expect(warned("cascade", true)).toEqual([]);
    const [restrict] = warned("restrict");
    expect(restrict?.code).toBe("cross-tenant-reference");
    expect(restrict?.message).toContain("can no longer delete that row");
    expect(restrict?.fix).toBe(
      'make org_id part of the key: UNIQUE ("org_id", "id") on "archive"."docs", then FOREIGN KEY ("org_id", "doc_id") REFERENCES "archive"."docs" ("org_id", "id") ON DELETE RESTRICT',
    );
    expect(warned("no action")[0]?.fix).toMatch(/\("org_id", "id"\)$/);
    expect(warned("set default")[0]?.fix).toContain('ON DELETE SET DEFAULT ("doc_id") (the column list');
    expect(buildCoverageMatrix(catalog({ tenantReferences: [reference("cascade", false)] })).ok).toBe(false);
    // organization_id in the key but paired with another column: each column once in the fix.
    const swapped = buildCoverageMatrix(
      catalog({
        tenantReferences: [
          { ...reference("set null", false), columns: ["doc_id", "org_id"], referencedColumns: ["org_id", "id"] },
        ],
      }),
    ).findings[0];
    expect(swapped?.message).toContain("pairing org_id with its id, not with its org_id");
    expect(swapped?.fix).toContain(
      'FOREIGN KEY ("org_id", "doc_id") REFERENCES "archive"."docs" ("org_id", "id") ON DELETE SET NULL ("doc_id")',
    );
  });

  it("reports a trigger a foreign key's action fires when its body can reach a table, unless its function is declared", () => {
    const trigger = (uses: string[], unread: string | null = null, runsAs: string | null = null) => ({
      name: "tomb",
      function: "tomb_write()",
      routine: "tomb_write",
      actions: ["ON DELETE CASCADE of steps_plan_fk (references plans)"],
      runsAs,
      uses,
      unread,
    });
    const judged = (t: ReturnType<typeof trigger>, definerRoutines: string[] = [], access = {}) =>
      codes(
        catalog({
          config: { ...config, definerRoutines },
          relations: [relation("steps", { access, actionTriggers: [t] })],
        }),
      ).filter((c) => !c.startsWith("missing-policy"));
    expect(judged(trigger(["plans"]))).toEqual(["fk-action-trigger steps"]);
    expect(judged(trigger([], "it runs SQL from strings (EXECUTE)"))).toEqual(["fk-action-trigger steps"]);
    expect(judged(trigger([]))).toEqual([]);
    expect(judged(trigger(["plans"]), ["tomb_write"])).toEqual([]);
    // A definer function: a definer-trigger where the app roles write the table, this finding where they do not.
    expect(judged(trigger([], null, "SECURITY DEFINER"), ["tomb_write"])).toEqual(["fk-action-trigger steps"]);
  });

  it("reports a view or materialized view under a shared name that reads what is not shared", () => {
    const shared = (kind: string, readsRelations: string[], securityInvoker = false) =>
      codes(catalog({ relations: [relation("countries", { kind, readsRelations, securityInvoker })] })).filter(
        (c) => !c.startsWith("missing-policy"),
      );
    expect(shared("view", ["usage"])).toEqual(["shared-view-source countries"]);
    expect(shared("materialized view", ["usage"])).toEqual(["shared-view-source countries"]);
    expect(shared("view", ["usage"], true)).toEqual([]);
    expect(shared("view", ["countries_list"])).toEqual(["shared-view-source countries"]);
    expect(
      codes(
        catalog({
          config: { ...config, sharedTables: ["countries", "countries_list"] },
          relations: [relation("countries", { kind: "view", readsRelations: ["countries_list"] })],
        }),
      ).filter((c) => !c.startsWith("missing-policy")),
    ).toEqual([]);
  });

  it("reports a schema named like an app role and a default search_path naming another schema", () => {
    const matrix = buildCoverageMatrix(
      catalog({
        roleSchemas: [{ schema: "app_user", role: "app_user" }],
        searchPathDefaults: [
          { database: "db", role: null, value: "api, public", schemas: ["api", "public"] },
          { database: null, role: "app_user", value: '"$user", public', schemas: ["$user", "public"] },
          { database: "db", role: "app_user", value: "pg_catalog, public", schemas: ["pg_catalog", "public"] },
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual([
      "role-named-schema app_user",
      "search-path-default database db",
    ]);
    expect(matrix.findings[1]?.fix).toContain(`ALTER DATABASE "db" RESET search_path`);
  });

  it('reports a default search_path that lists pg_catalog after another schema than "$user", even the configured one', () => {
    const matrix = buildCoverageMatrix(
      catalog({
        searchPathDefaults: [
          { database: "db", role: null, value: "public, pg_catalog", schemas: ["public", "pg_catalog"] },
          {
            database: null,
            role: "app_user",
            value: '"$user", public, pg_catalog',
            schemas: ["$user", "public", "pg_catalog"],
          },
          { database: "db", role: "app_user", value: "pg_catalog, public", schemas: ["pg_catalog", "public"] },
          {
            database: null,
            role: null,
            value: '"$user", pg_catalog, public',
            schemas: ["$user", "pg_catalog", "public"],
          },
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual([
      "search-path-default database db",
      "search-path-default role app_user",
    ]);
    expect(matrix.findings[1]?.message).toContain("which lists pg_catalog after public:");
    expect(matrix.findings[0]?.message).toContain("which lists pg_catalog after public");
    expect(matrix.findings[0]?.fix).toContain("set it again with pg_catalog first");
  });

  it("reports a routine that sets the tenant setting, and an aggregate whose support function runs as another role", () => {
    const routine = (name: string, extra: object) => ({
      signature: `${name}(text)`,
      name,
      securityDefiner: false,
      setsRole: null,
      pinnedSearchPath: true,
      extension: null,
      executableBy: ["app_user"],
      ...extra,
    });
    const matrix = buildCoverageMatrix(
      catalog({
        routines: [
          routine("as_other_org", { setsSetting: "app.org=o2" }),
          routine("titles", { securityDefiner: true, supportFunction: "titles_step(text,text)" }),
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual([
      "routine-sets-setting as_other_org(text)",
      "definer-routine titles(text)",
    ]);
    expect(matrix.findings[0]?.fix).toContain("ALTER FUNCTION as_other_org(text) RESET app.org");
    expect(matrix.findings[1]?.message).toContain("through its support function titles_step(text,text)");
  });

  it("reports what an app role owns besides tables", () => {
    expect(
      codes(
        catalog({
          appRoles: [
            {
              ...safeRole,
              escalations: [],
              memberOf: [],
              createSchemas: [],
              largeObjects: 0,
              ownedObjects: ["type mood"],
            },
          ],
        }),
      ),
    ).toEqual(["role-owns-object type mood"]);
  });

  it("judges the triggers of a descendant the app roles cannot write, when rows reach it through a writable parent", () => {
    const definer = { name: "enrich", function: "archive.enrich()", runsAs: "SECURITY DEFINER" };
    const matrix = buildCoverageMatrix(
      catalog({
        relations: [
          relation("notes", {
            rlsEnabled: true,
            hasTenantColumn: true,
            tenantIndex: true,
            access: { app_user: ["SELECT", "INSERT", "UPDATE", "DELETE"] },
            descendants: [{ name: "archive.notes_all", hasTenantColumn: true, rlsEnabled: false }],
          }),
          relation("archive.notes_all", { hasTenantColumn: true, access: {}, definerTriggers: [definer] }),
        ],
      }),
    );
    expect(matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual(["definer-trigger notes"]);
    expect(matrix.findings[0]?.message).toContain(
      "trigger enrich on archive.notes_all, which the rows written to notes",
    );
  });
});

describe("policies that read the setting through a helper function", () => {
  const helper = (overrides: Partial<PolicyFunctionInfo> = {}): PolicyFunctionInfo => ({
    schema: "app",
    name: "current_org",
    argumentCount: 0,
    language: "sql",
    body: "SELECT current_setting('app.org', true)",
    volatility: "s",
    returnType: "pg_catalog.text",
    returnsSet: false,
    config: [],
    changeableBy: [],
    ...overrides,
  });
  const calling = (call: string, fn: PolicyFunctionInfo) =>
    codes(
      catalog({
        policies: ["select", "insert", "update", "delete"].map((c) =>
          policy("notes", c, {
            using: c === "insert" ? null : `(org_id = ${call})`,
            withCheck: c === "insert" || c === "update" ? `(org_id = ${call})` : null,
          }),
        ),
        policyFunctions: [fn],
      }),
    );

  it("accepts a SQL helper of the catalog that reads the tenant setting, and a bare call of one in pg_catalog", () => {
    expect(calling("app.current_org()", helper())).toEqual([]);
    expect(calling("current_org()", helper({ schema: "pg_catalog" }))).toEqual([]);
  });

  it("refuses one whose declared type is not the type its body selects", () => {
    const unscoped = Array(4).fill("unscoped-policy notes");
    const uuidBody = "SELECT current_setting('app.org', true)::uuid";
    expect(calling("app.current_org()", helper({ body: uuidBody }))).toEqual(unscoped);
    expect(calling("app.current_org()", helper({ body: uuidBody, returnType: "pg_catalog.uuid" }))).toEqual([]);
    expect(calling("app.current_org()", helper({ returnType: "pg_catalog.varchar" }))).toEqual(unscoped);
  });

  it("counts a bare name of its body only when its own search_path finds pg_catalog's first", () => {
    const unscoped = Array(4).fill("unscoped-policy notes");
    const path = (value: string) => helper({ config: [`search_path=${value}`] });
    expect(calling("app.current_org()", path("ha, pg_catalog"))).toEqual(unscoped);
    expect(calling("app.current_org()", path("pg_temp, pg_catalog"))).toEqual(unscoped);
    expect(calling("app.current_org()", path("pg_catalog, ha"))).toEqual([]);
    expect(calling("app.current_org()", path("ha"))).toEqual([]);
    const qualified = helper({
      config: ["search_path=ha, pg_catalog"],
      body: "SELECT pg_catalog.current_setting('app.org', true)",
    });
    expect(calling("app.current_org()", qualified)).toEqual([]);
  });

  it("refuses one in another language, returning a set, or called bare from another schema", () => {
    const unscoped = [
      "unscoped-policy notes",
      "unscoped-policy notes",
      "unscoped-policy notes",
      "unscoped-policy notes",
    ];
    expect(calling("app.current_org()", helper({ language: "plv8" }))).toEqual(unscoped);
    expect(calling("app.current_org()", helper({ returnsSet: true }))).toEqual(unscoped);
    expect(calling("current_org()", helper())).toEqual(unscoped);
  });
});
