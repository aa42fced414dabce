/** Renders a coverage matrix as the plain text `db:rls` prints. */
import type { CoverageMatrix } from "./coverage-matrix.ts";
import { textTable } from "../text/text-table.ts";
import { RLS_COMMANDS } from "./rls-config.ts";

/**
 * The matrix as text: one line per tenant table (policy name per command or MISSING, RLS
 * enabled/forced), the readable non-tenant tables, then the findings and the verdict.
 */
export function formatCoverageMatrix(matrix: CoverageMatrix): string {
  const lines: string[] = [
    `Row-Level Security coverage of schema "${matrix.schema}" for role ${matrix.role.name}` +
      ` (tenant tables: those with ${matrix.tenantColumn}; tenant setting ${matrix.tenantSetting})`,
    "",
  ];
  lines.push(
    ...textTable(
      ["table", ...RLS_COMMANDS, "rls", "forced"],
      matrix.rows.map((row) => [
        row.table,
        ...RLS_COMMANDS.map((command) => row.commands[command].join(",") || "MISSING"),
        row.rlsEnabled ? "enabled" : "DISABLED",
        row.rlsForced ? "yes" : "no",
      ]),
      { rule: true },
    ),
  );
  lines.push("", `${matrix.rows.length} tenant tables × ${RLS_COMMANDS.length} commands`);
  lines.push("", `Non-tenant tables ${matrix.role.name} can read (information: intended for reference data?):`);
  if (matrix.readableNonTenantTables.length === 0) lines.push("  none");
  for (const t of matrix.readableNonTenantTables) {
    const scope = t.rlsEnabled ? `RLS enabled, policies: ${t.policies.join(", ") || "none"}` : "no RLS: every row";
    lines.push(`  ${t.table} (${scope})`);
  }
  const role = matrix.role;
  lines.push(
    "",
    `Role ${role.name}: ${role.exists ? "exists" : "MISSING"}, superuser ${role.superuser ? "YES" : "no"}, ` +
      `BYPASSRLS ${role.bypassRls ? "YES" : "no"}, owns ${role.ownedTables.length} tables`,
  );
  if (matrix.findings.length > 0) {
    lines.push("", `${matrix.findings.length} problems:`);
    for (const f of matrix.findings) lines.push(`  [${f.code}] ${f.message}`, `      fix: ${f.fix}`);
  }
  lines.push(
    "",
    matrix.ok ? "OK: every tenant table is covered." : "FAILED: tenants are not isolated (see problems above).",
  );
  return lines.join("\n");
}
