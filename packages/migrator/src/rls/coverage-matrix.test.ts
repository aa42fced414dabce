import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { callsSettingPerRow } from "../sql/setting-calls.ts";
import type { PolicyInfo, RlsCatalog } from "./catalog-probe.ts";
import { buildCoverageMatrix } from "./coverage-matrix.ts";

beforeAll(loadParser);

const config = { schema: "public", tenantColumn: "org_id", role: "app_user", tenantSetting: "app.org" };
const scoped = "(org_id = ( SELECT current_setting('app.org'::text, true) AS current_setting))";

function policy(table: string, command: string, overrides: Partial<PolicyInfo> = {}): PolicyInfo {
  const using = command === "insert" ? null : scoped;
  const withCheck = command === "insert" || command === "update" ? scoped : null;
  return {
    table,
    name: `${table}_${command}`,
    permissive: true,
    roles: ["app_user"],
    command,
    using,
    withCheck,
    ...overrides,
  };
}

function catalog(overrides: Partial<RlsCatalog> = {}): RlsCatalog {
  return {
    config,
    tenantTables: [{ table: "notes", rlsEnabled: true, rlsForced: false, owner: "owner" }],
    policies: ["select", "insert", "update", "delete"].map((c) => policy("notes", c)),
    readableNonTenantTables: [{ table: "countries", rlsEnabled: false, policies: [] }],
    role: { name: "app_user", exists: true, superuser: false, bypassRls: false, ownedTables: [] },
    ...overrides,
  };
}

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
  });

  it("counts a FOR ALL policy to PUBLIC for every command", () => {
    const matrix = buildCoverageMatrix(
      catalog({ policies: [policy("notes", "all", { roles: ["public"], withCheck: scoped })] }),
    );
    expect(matrix.ok).toBe(true);
    expect(matrix.rows[0]?.commands.delete).toEqual(["notes_all"]);
  });

  it("reports missing commands, disabled RLS and policies for other roles or restrictive ones", () => {
    const matrix = buildCoverageMatrix(
      catalog({
        tenantTables: [{ table: "notes", rlsEnabled: false, rlsForced: false, owner: "owner" }],
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
    const unsafe = buildCoverageMatrix(
      catalog({
        role: { name: "app_user", exists: true, superuser: true, bypassRls: true, ownedTables: ["public.notes"] },
      }),
    );
    expect(unsafe.findings.map((f) => f.code)).toEqual(["role-superuser", "role-bypasses-rls", "role-owns-table"]);
    expect(unsafe.findings[2]?.message).toContain("public.notes");
    const missing = buildCoverageMatrix(
      catalog({ role: { name: "app_user", exists: false, superuser: false, bypassRls: false, ownedTables: [] } }),
    );
    expect(missing.findings.map((f) => f.code)).toEqual(["role-missing"]);
  });
});
