/** Renders a coverage matrix as the plain text `db:rls` prints. */
import type { CoverageMatrix, ObjectVerdict } from "./coverage-matrix.ts";
import { textTable } from "../text/text-table.ts";
import { RLS_COMMANDS } from "./rls-config.ts";

/** Short privilege names for the object table. */
const SHORT: Record<string, string> = {
  SELECT: "S",
  INSERT: "I",
  UPDATE: "U",
  DELETE: "D",
  TRUNCATE: "TRUNCATE",
  REFERENCES: "REFERENCES",
  TRIGGER: "TRIGGER",
  EXECUTE: "X",
  USAGE: "u",
};

function accessCell(object: ObjectVerdict, role: string): string {
  return (object.access[role] ?? []).map((p) => SHORT[p] ?? p).join("") || "-";
}

/**
 * The matrix as text: one line per tenant table (policy name per command or MISSING, RLS
 * enabled/forced); every object the app roles can reach with its class and each role's
 * privileges (extension routines counted per extension, unreachable relations named on one
 * line); the roles; then the findings, the warnings and the verdict.
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

  const roles = matrix.roles.length > 0 ? matrix.roles.map((r) => r.name) : [matrix.role.name];
  const reached = matrix.objects.filter((o) => o.class !== "unreachable" && !o.kind.includes("extension"));
  lines.push(
    "",
    `Every object ${roles.join(", ")} can reach (S I U D = select insert update delete, X = execute, u = usage):`,
  );
  lines.push(
    ...textTable(
      ["object", "kind", "class", ...roles, "verdict"],
      reached.map((o) => [
        o.name,
        o.kind,
        o.class,
        ...roles.map((r) => accessCell(o, r)),
        o.findings.length > 0 ? o.findings.join(",") : "ok",
      ]),
      { rule: true },
    ),
  );
  const byExtension = new Map<string, ObjectVerdict[]>();
  for (const o of matrix.objects.filter((x) => x.kind.includes("extension"))) {
    byExtension.set(o.kind, [...(byExtension.get(o.kind) ?? []), o]);
  }
  for (const [kind, routines] of byExtension) {
    const bad = routines.filter((r) => r.findings.length > 0 || r.class !== "invoker routine");
    lines.push(
      `  ${kind}: ${routines.length} routines, ${bad.length === 0 ? "all SECURITY INVOKER (ok)" : `${bad.length} not: ${bad.map((b) => b.name).join(", ")}`}`,
    );
  }
  const unreachable = matrix.objects.filter((o) => o.class === "unreachable");
  lines.push(`  unreachable (no privilege): ${unreachable.map((o) => o.name).join(", ") || "none"}`);

  for (const role of matrix.roles.length > 0 ? matrix.roles : [matrix.role]) {
    const links = role as { escalations?: string[]; createSchemas?: string[]; ownedObjects?: string[] };
    lines.push(
      `Role ${role.name}: ${role.exists ? "exists" : "MISSING"}, superuser ${role.superuser ? "YES" : "no"}, ` +
        `BYPASSRLS ${role.bypassRls ? "YES" : "no"}, owns ${role.ownedTables.length} tables` +
        (links.ownedObjects?.length ? ` and ${links.ownedObjects.length} other objects` : "") +
        (links.escalations?.length ? `, member of ${links.escalations.join(", ")}` : "") +
        (links.createSchemas?.length ? `, CREATE on ${links.createSchemas.join(", ")}` : ""),
    );
  }
  if (matrix.findings.length > 0) {
    lines.push("", `${matrix.findings.length} problems:`);
    for (const f of matrix.findings) lines.push(`  [${f.code}] ${f.message}`, `      fix: ${f.fix}`);
  }
  if (matrix.warnings.length > 0) {
    lines.push("", `${matrix.warnings.length} warnings (isolation holds; speed does not):`);
    for (const w of matrix.warnings) lines.push(`  [${w.code}] ${w.message}`, `      fix: ${w.fix}`);
  }
  lines.push(
    "",
    matrix.ok
      ? "OK: every tenant table is covered and every reachable object is classified."
      : "FAILED: tenants are not isolated (see problems above).",
  );
  return lines.join("\n");
}
