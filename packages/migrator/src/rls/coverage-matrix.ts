/**
 * Judges a probed catalog: which policy covers each tenant table × command, and every finding
 * that means tenants are not isolated. Returns data; the command decides how to print it.
 */
import type { PolicyInfo, ReadableTableInfo, RlsCatalog, RoleInfo } from "./catalog-probe.ts";
import { callsSettingPerRow } from "../sql/setting-calls.ts";
import { RLS_COMMANDS, type RlsCommand } from "./rls-config.ts";

/** A reason the tenant boundary does not hold, with where it is and how to fix it. */
export interface RlsFinding {
  code:
    | "missing-policy"
    | "rls-disabled"
    | "per-row-setting"
    | "unscoped-policy"
    | "role-missing"
    | "role-superuser"
    | "role-bypasses-rls"
    | "role-owns-table";
  /** The table concerned, when there is one. */
  table?: string;
  command?: RlsCommand;
  policy?: string;
  message: string;
  fix: string;
}

/** One tenant table's row of the matrix. */
export interface CoverageRow {
  table: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** The permissive policies for the role per command; empty means MISSING. */
  commands: Record<RlsCommand, string[]>;
}

/** The coverage matrix and its verdict. */
export interface CoverageMatrix {
  schema: string;
  role: RoleInfo;
  tenantColumn: string;
  tenantSetting: string;
  rows: CoverageRow[];
  /** Non-tenant tables the role can read: information, as they may be intended (reference data). */
  readableNonTenantTables: ReadableTableInfo[];
  findings: RlsFinding[];
  ok: boolean;
}

function appliesTo(policy: PolicyInfo, role: string, command: RlsCommand): boolean {
  return (
    policy.permissive &&
    (policy.command === command || policy.command === "all") &&
    (policy.roles.includes(role) || policy.roles.includes("public"))
  );
}

/** Builds the table × command matrix and the findings from a probed catalog. */
export function buildCoverageMatrix(catalog: RlsCatalog): CoverageMatrix {
  const { config, role } = catalog;
  const findings: RlsFinding[] = [];
  const rows: CoverageRow[] = catalog.tenantTables.map((table) => {
    const policies = catalog.policies.filter((p) => p.table === table.table);
    const commands = Object.fromEntries(
      RLS_COMMANDS.map((command) => [
        command,
        policies.filter((p) => appliesTo(p, config.role, command)).map((p) => p.name),
      ]),
    ) as Record<RlsCommand, string[]>;
    if (!table.rlsEnabled) {
      findings.push({
        code: "rls-disabled",
        table: table.table,
        message: `${table.table} has ${config.tenantColumn} but Row-Level Security is disabled: its policies are ignored and every tenant sees every row`,
        fix: `call .enableRLS() on the table (ALTER TABLE "${table.table}" ENABLE ROW LEVEL SECURITY), or drop ${config.tenantColumn} if it is not tenant data`,
      });
    }
    for (const command of RLS_COMMANDS) {
      if (commands[command].length > 0) continue;
      findings.push({
        code: "missing-policy",
        table: table.table,
        command,
        message: `${table.table} has no permissive ${command.toUpperCase()} policy for ${config.role}: the tenant cannot ${command} its own rows, or the table was forgotten`,
        fix: `add the tenant policies to the table (${command.toUpperCase()} policy TO ${config.role} comparing ${config.tenantColumn} with (SELECT current_setting('${config.tenantSetting}', true)))`,
      });
    }
    for (const policy of policies.filter((p) => p.permissive)) {
      const expressions = [policy.using, policy.withCheck].filter((e): e is string => e !== null);
      if (expressions.length > 0 && !expressions.every((e) => e.includes(config.tenantSetting))) {
        findings.push({
          code: "unscoped-policy",
          table: table.table,
          policy: policy.name,
          message: `policy ${policy.name} on tenant table ${table.table} has an expression that does not read ${config.tenantSetting}: it grants rows regardless of the tenant`,
          fix: `compare ${config.tenantColumn} with (SELECT current_setting('${config.tenantSetting}', true)) in both USING and WITH CHECK`,
        });
      }
    }
    return { table: table.table, rlsEnabled: table.rlsEnabled, rlsForced: table.rlsForced, commands };
  });
  for (const policy of catalog.policies) {
    if (!callsSettingPerRow(policy.using) && !callsSettingPerRow(policy.withCheck)) continue;
    findings.push({
      code: "per-row-setting",
      table: policy.table,
      policy: policy.name,
      message: `policy ${policy.name} on ${policy.table} calls current_setting() outside a sub-select, so it is evaluated for every row`,
      fix: "wrap it as (SELECT current_setting('…', true)) so it is evaluated once per statement",
    });
  }
  if (!role.exists) {
    findings.push({
      code: "role-missing",
      message: `role ${config.role} does not exist: tenant statements cannot switch to it`,
      fix: `create it: CREATE ROLE "${config.role}" NOLOGIN NOBYPASSRLS`,
    });
  }
  if (role.superuser) {
    findings.push({
      code: "role-superuser",
      message: `role ${config.role} is a superuser, which bypasses every policy`,
      fix: `ALTER ROLE "${config.role}" NOSUPERUSER`,
    });
  }
  if (role.bypassRls) {
    findings.push({
      code: "role-bypasses-rls",
      message: `role ${config.role} has BYPASSRLS, so no policy applies to it`,
      fix: `ALTER ROLE "${config.role}" NOBYPASSRLS`,
    });
  }
  for (const owned of role.ownedTables) {
    findings.push({
      code: "role-owns-table",
      table: owned,
      message: `role ${config.role} owns ${owned}; an owner is not subject to its table's policies`,
      fix: `ALTER TABLE ${owned} OWNER TO <the migration user>`,
    });
  }
  return {
    schema: config.schema,
    role,
    tenantColumn: config.tenantColumn,
    tenantSetting: config.tenantSetting,
    rows,
    readableNonTenantTables: catalog.readableNonTenantTables,
    findings,
    ok: findings.length === 0,
  };
}
