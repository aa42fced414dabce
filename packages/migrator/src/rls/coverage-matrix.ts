/**
 * Judges a probed catalog: every relation and routine the app roles can reach gets a class, and
 * anything that does not fit one is a finding.
 *
 * - **tenant**: has the tenant column (in the configured schema, or in any schema where an app role
 *   holds a privilege on it, USAGE of the schema or not: views and bodies use it by OID); RLS on; a permissive policy for the tenant role for each of
 *   select/insert/update/delete; every permissive policy compares the tenant column with the
 *   tenant setting (cast, NULLIF'd or read by a helper function: policy-scope.ts,
 *   setting-helpers.ts); insert and update policies have WITH CHECK.
 * - **user-scoped**: no tenant column; RLS on; every permissive policy confines rows to the user
 *   (or tenant) setting. Commands without a policy are denied by RLS.
 * - **shared**: declared in `sharedTables`; the app roles may only SELECT; a view reading as its
 *   owner or a materialized view under that name reads only shared tables.
 * - **unreachable**: no privilege for any app role.
 * - and, for what is not a table: **invoker view** (`security_invoker`, its tables' policies apply
 *   to the caller), **sequence** (USAGE/SELECT; UPDATE is a finding), **invoker routine** (runs
 *   as its caller: neither SECURITY DEFINER nor `SET role`), **declared definer** routine.
 *
 * Findings: a granted table without RLS and without a declaration, a view without
 * `security_invoker`, a granted materialized or foreign table, a SECURITY DEFINER routine the app
 * roles can execute that is undeclared or has no pinned `search_path` (a routine defined with
 * `SET role` counts as SECURITY DEFINER, and so does an aggregate whose support function is
 * either), a routine defined with `SET` of the tenant or user setting, a rule on a reachable
 * relation, a trigger on a writable one (or on a descendant rows written to it reach) whose
 * function runs as another role, an undeclared such routine a reachable relation's default,
 * constraint, view, index or policy calls, a trigger a foreign key's action fires (it runs as the
 * table's owner) whose body may reach a table, a schema named like an app role, a default
 * `search_path` naming another schema, an enabled event trigger (not an extension's), UPDATE on a sequence,
 * a tenant column with a nondeterministic collation, a reachable parent of a table guarded more closely than it is, a policy
 * `TO public`, an unconfined policy (`USING (true)`, another setting, an EXISTS not tied to the
 * row), a missing WITH CHECK, TRUNCATE/TRIGGER/REFERENCES for an app role, a grant to another app
 * role on what is not shared, an app role that can CREATE in a schema, owns any object or is a
 * member of a role that bypasses RLS, a foreign key between tenant tables that leaves the tenant column out of its
 * key on a table an app role may write (a tenant's row can point at another tenant's: the other
 * tenant's deletes are then refused or reach it). A policy applies to an app role when it is for
 * PUBLIC, the role, or any role the role is a member of. A tenant table without an index leading on
 * the tenant column is a warning (exit 0). Returns data; the command decides how to print it.
 */
import type {
  AppRoleInfo,
  PolicyInfo,
  ReadableTableInfo,
  RelationInfo,
  RlsCatalog,
  RoleInfo,
  RoutineInfo,
  TenantReferenceInfo,
} from "./catalog-probe.ts";
import { callsSettingPerRow } from "../sql/setting-calls.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { judgeActionTriggers } from "./fk-action-triggers.ts";
import { expressionConfines, type Scope } from "./policy-scope.ts";
import { judgeSearchPathShadowing } from "./search-path-shadowing.ts";
import { settingHelpers } from "./setting-helpers.ts";
import { RLS_COMMANDS, type RlsCommand, type RlsConfig } from "./rls-config.ts";
import type { RlsFinding } from "./rls-finding.ts";

export type { RlsFinding } from "./rls-finding.ts";

/** Advice that does not break isolation (exit 0), such as a missing tenant index. */
export interface RlsWarning {
  code: "tenant-index-missing";
  table: string;
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

/** What an object the app roles can reach is. `unclassified` always comes with a finding. */
export type ObjectClass =
  | "tenant"
  | "user-scoped"
  | "shared"
  | "unreachable"
  | "invoker view"
  | "sequence"
  | "invoker routine"
  | "declared definer"
  | "unclassified";

/** One object of the full matrix. */
export interface ObjectVerdict {
  name: string;
  kind: string;
  class: ObjectClass;
  /** Privileges per app role (empty: none). */
  access: Record<string, string[]>;
  rlsEnabled?: boolean;
  /** The finding codes on this object. */
  findings: string[];
}

/** The coverage matrix and its verdict. */
export interface CoverageMatrix {
  schema: string;
  role: RoleInfo;
  roles: AppRoleInfo[];
  tenantColumn: string;
  tenantSetting: string;
  rows: CoverageRow[];
  /** Every relation outside the system schemas and every routine an app role can execute. */
  objects: ObjectVerdict[];
  /** Non-tenant tables the tenant role can read (a view of `objects`, kept for readers of the JSON). */
  readableNonTenantTables: ReadableTableInfo[];
  findings: RlsFinding[];
  warnings: RlsWarning[];
  ok: boolean;
}

/**
 * Who a policy reaches: a policy applies to an app role when its roles include PUBLIC, the app
 * role, or any role the app role is a member of (directly or not; `SET ROLE` reaches them all).
 */
interface PolicyAudience {
  /** Whether the policy lets rows through for any of these roles. */
  reaches(policy: PolicyInfo, roles: readonly string[]): boolean;
  /** How it reaches them, for a message: ` (TO grp, of which authenticated is a member)`, or empty. */
  via(policy: PolicyInfo, roles: readonly string[]): string;
}

function policyAudience(appRoleInfos: readonly AppRoleInfo[]): PolicyAudience {
  const memberOf = new Map(appRoleInfos.map((r) => [r.name, r.memberOf]));
  const groupsOf = (role: string) => memberOf.get(role) ?? [];
  return {
    reaches: (policy, roles) =>
      policy.roles.includes("public") ||
      roles.some((role) => policy.roles.includes(role) || groupsOf(role).some((g) => policy.roles.includes(g))),
    via(policy, roles) {
      const links = roles.flatMap((role) =>
        policy.roles.includes(role)
          ? []
          : groupsOf(role)
              .filter((g) => policy.roles.includes(g))
              .map((g) => [g, role]),
      );
      return links.length === 0
        ? ""
        : ` (${links.map(([g, role]) => `TO ${g}, of which ${role} is a member`).join("; ")})`;
    },
  };
}

function appliesTo(policy: PolicyInfo, audience: PolicyAudience, role: string, command: RlsCommand): boolean {
  return (
    policy.permissive && (policy.command === command || policy.command === "all") && audience.reaches(policy, [role])
  );
}

/** Policies that can let rows through for an app role. */
function appPolicies(policies: PolicyInfo[], audience: PolicyAudience, roles: string[]): PolicyInfo[] {
  return policies.filter((p) => p.permissive && audience.reaches(p, roles));
}

/** A display name (`name`, or `schema.name` outside the configured schema) quoted for SQL. */
const sqlName = (name: string) => {
  const dot = name.indexOf(".");
  return dot < 0 ? quoteIdent(name) : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
};

const declared = (list: readonly string[] | undefined, name: string) => (list ?? []).includes(name);

/** What another tenant's delete of the referenced row does to the rows pointing at it, by ON DELETE. */
const ON_DELETE_EFFECT: Record<string, string> = {
  "no action": "the other tenant can no longer delete that row, nor its organization",
  restrict: "the other tenant can no longer delete that row, nor its organization",
  cascade: "the other tenant's delete of that row deletes the rows pointing at it",
  "set null": "the other tenant's delete of that row updates the rows pointing at it",
  "set default": "the other tenant's delete of that row updates the rows pointing at it",
};

/**
 * The finding for a foreign key between tenant tables whose key leaves out the tenant column:
 * PostgreSQL checks the key and runs its ON DELETE action past RLS, so a tenant's row may point at
 * a row of another tenant that it can name. The fix makes the tenant column part of the key.
 */
function crossTenantReference(reference: TenantReferenceInfo, tenantColumn: string): RlsFinding {
  // The tenant column first on both sides, then the key's other columns in their order; where the
  // tenant column was paired with another referenced column, that one is left out.
  const at = reference.columns.indexOf(tenantColumn);
  const columns = reference.columns.filter((c) => c !== tenantColumn);
  let referencedColumns = reference.referencedColumns.filter((c) => c !== tenantColumn);
  if (referencedColumns.length > columns.length && at >= 0)
    referencedColumns = reference.referencedColumns.filter((c, i) => c !== tenantColumn && i !== at);
  const keyOf = (names: string[]) => [tenantColumn, ...names].map(quoteIdent).join(", ");
  const action = reference.onDelete.toUpperCase();
  const setsColumns = reference.onDelete.startsWith("set ");
  const onDelete = setsColumns
    ? ` ON DELETE ${action} (${columns.map(quoteIdent).join(", ")})`
    : reference.onDelete === "no action"
      ? ""
      : ` ON DELETE ${action}`;
  return {
    code: "cross-tenant-reference",
    table: reference.table,
    message: `foreign key ${reference.constraint} of ${reference.table} (${reference.columns.join(", ")}) references ${reference.references} ${
      at >= 0
        ? `pairing ${tenantColumn} with its ${reference.referencedColumns[at] ?? "key"}, not with its ${tenantColumn}`
        : `without ${tenantColumn}`
    }, and PostgreSQL checks it past RLS: a tenant's row may point at another tenant's ${reference.references} row, an insert tells the tenant whether an id it names exists, and ${ON_DELETE_EFFECT[reference.onDelete] ?? "the other tenant's delete of that row changes the rows pointing at it"} (ON DELETE ${action})`,
    fix: `make ${tenantColumn} part of the key: UNIQUE (${keyOf(referencedColumns)}) on ${sqlName(reference.references)}, then FOREIGN KEY (${keyOf(columns)}) REFERENCES ${sqlName(reference.references)} (${keyOf(referencedColumns)})${onDelete}${setsColumns ? ` (the column list, PostgreSQL 15 and later, leaves ${tenantColumn} alone; Drizzle Kit does not write it: add it to the generated migration before it is committed)` : ""}`,
  };
}

/** Judges the policies of one RLS table against a scope; pushes findings. */
function judgePolicies(
  table: string,
  policies: PolicyInfo[],
  scope: Scope,
  scopeWords: string,
  tenant: boolean,
  via: (policy: PolicyInfo) => string,
  push: (f: RlsFinding) => void,
): void {
  for (const policy of policies) {
    const expressions = [policy.using, policy.withCheck].filter((e): e is string => e !== null);
    if (expressions.some((e) => !expressionConfines(e, { ...scope, table: policy.relname }))) {
      push({
        code: "unscoped-policy",
        table,
        policy: policy.name,
        message: `policy ${policy.name} on ${table}${via(policy)} has an expression that does not confine rows to ${scopeWords} (${expressions.join(" / ")}): it grants rows regardless of who asks`,
        fix: `compare ${scope.column ?? "the owning column"} with (SELECT current_setting('${scope.settings[0]}', true)) in USING and WITH CHECK, and nothing that ORs around it${scope.allowExists ? `; an EXISTS must also equate a column of its sub-query with one of ${table}'s row (… WHERE m.user_id = ${quoteIdent(policy.relname)}.id AND m.organization_id = (SELECT current_setting(…))), and read a table the app roles cannot write (declare it in readOnlyTenantTables and revoke INSERT, UPDATE, DELETE), or the tenant writes the rows it matches` : ""}`,
      });
    }
    if (tenant && ["insert", "update", "all"].includes(policy.command) && policy.withCheck === null) {
      push({
        code: "missing-with-check",
        table,
        policy: policy.name,
        message: `policy ${policy.name} on tenant table ${table} (${policy.command.toUpperCase()}) has no WITH CHECK: what a row may become is not stated by the policy itself`,
        fix: `add WITH CHECK (${scope.column} = (SELECT current_setting('${scope.settings[0]}', true)))`,
      });
    }
  }
}

/** Builds the table × command matrix, the object classes and the findings from a probed catalog. */
export function buildCoverageMatrix(catalog: RlsCatalog): CoverageMatrix {
  const { config, role } = catalog;
  const findings: RlsFinding[] = [];
  const warnings: RlsWarning[] = [];
  const push = (finding: RlsFinding) => findings.push(finding);
  const roleNames = [config.role, ...(config.otherRoles ?? [])];
  // Helper functions a policy may read the setting through (`app.current_tenant()`), judged from the catalog.
  const helperSetting = settingHelpers(catalog.policyFunctions ?? [], catalog.appRoles ?? []);
  const tenantScope: Scope = { settings: [config.tenantSetting], column: config.tenantColumn, helperSetting };
  const relations = catalog.relations ?? [];
  const qualified = (r: RelationInfo) => (r.name.includes(".") ? r.name : `${config.schema}.${r.name}`);
  // Tables (not views) by schema-qualified name: what a scoping EXISTS may read, if no app role writes it.
  const tableRelations = relations.filter((r) => r.kind === "table" || r.kind === "partitioned table");
  const tables = new Set(tableRelations.map(qualified));
  // Writable: an app role may insert into or update it, or into a table that inherits from it
  // (reading a table returns its descendants' rows too).
  const writesTo = (r: RelationInfo) =>
    Object.values(r.access).some((p) => p.includes("INSERT") || p.includes("UPDATE"));
  const writableNames = new Set(relations.filter(writesTo).map((r) => r.name));
  const writable = new Set(
    tableRelations
      .filter((r) => writableNames.has(r.name) || r.descendants.some((d) => writableNames.has(d.name)))
      .map(qualified),
  );
  const userScope: Scope = {
    settings: [config.userSetting, config.tenantSetting].filter((s): s is string => Boolean(s)),
    allowExists: true,
    isTable: (schema, name) => tables.has(`${schema ?? "pg_catalog"}.${name}`),
    isWritable: (schema, name) => writable.has(`${schema ?? "pg_catalog"}.${name}`),
    helperSetting,
  };
  const audience = policyAudience(catalog.appRoles ?? []);
  const via = (policy: PolicyInfo) => audience.via(policy, roleNames);
  const relationByName = new Map(relations.map((r) => [r.name, r]));

  const rows: CoverageRow[] = catalog.tenantTables.map((table) => {
    const policies = catalog.policies.filter((p) => p.table === table.table);
    const readOnly = declared(config.readOnlyTenantTables, table.table);
    const commands = Object.fromEntries(
      RLS_COMMANDS.map((command) => [
        command,
        policies.filter((p) => appliesTo(p, audience, config.role, command)).map((p) => p.name),
      ]),
    ) as Record<RlsCommand, string[]>;
    if (!table.rlsEnabled) {
      push({
        code: "rls-disabled",
        table: table.table,
        message: `${table.table} has ${config.tenantColumn} but Row-Level Security is disabled: its policies are ignored and every tenant sees every row`,
        fix: `call .enableRLS() on the table (ALTER TABLE ${sqlName(table.table)} ENABLE ROW LEVEL SECURITY) and give it the tenant policies, REVOKE ALL ON ${sqlName(table.table)} FROM the app roles if they need nothing of it, or drop ${config.tenantColumn} if it is not tenant data`,
      });
    }
    if (table.nondeterministicCollation) {
      push({
        code: "tenant-column-collation",
        table: table.table,
        message: `${table.table}.${config.tenantColumn} has the nondeterministic collation ${table.nondeterministicCollation}: the policies' comparison with ${config.tenantSetting} calls different tenant ids equal (by case, accents or punctuation), so a tenant sees the rows of another whose id differs only so`,
        fix: `give the column a deterministic collation: in the schema drop the column's .collate() and regenerate; the migration must drop the table's policies first (PostgreSQL refuses to change the type of a column a policy uses), ALTER TABLE ${sqlName(table.table)} ALTER COLUMN ${quoteIdent(config.tenantColumn)} TYPE text COLLATE "C", then create them again`,
      });
    }
    if (readOnly) judgeReadOnly(table.table, relationByName.get(table.table), push);
    for (const command of RLS_COMMANDS) {
      if (commands[command].length > 0 || (readOnly && command !== "select")) continue;
      push({
        code: "missing-policy",
        table: table.table,
        command,
        message: `${table.table} has no permissive ${command.toUpperCase()} policy for ${config.role}: the tenant cannot ${command} its own rows, or the table was forgotten`,
        fix: `add the tenant policies to the table (${command.toUpperCase()} policy TO ${config.role} comparing ${config.tenantColumn} with (SELECT current_setting('${config.tenantSetting}', true)))`,
      });
    }
    judgePolicies(
      table.table,
      appPolicies(policies, audience, roleNames),
      tenantScope,
      `the tenant (${config.tenantColumn} = ${config.tenantSetting})`,
      true,
      via,
      push,
    );
    if (relationByName.get(table.table)?.tenantIndex === false) {
      warnings.push({
        code: "tenant-index-missing",
        table: table.table,
        message: `tenant table ${table.table} has no index leading on ${config.tenantColumn}: every tenant query under RLS scans the whole table`,
        fix: `add an index whose first column is ${config.tenantColumn} (CREATE INDEX CONCURRENTLY … ON "${table.table}" ("${config.tenantColumn}", …))`,
      });
    }
    return { table: table.table, rlsEnabled: table.rlsEnabled, rlsForced: table.rlsForced, commands };
  });

  for (const reference of catalog.tenantReferences ?? []) {
    // A tenant plants a pointing row only in a table an app role may insert into or update.
    const referencing = relationByName.get(reference.table);
    if (reference.tenantPaired || (referencing && !writesTo(referencing))) continue;
    push(crossTenantReference(reference, config.tenantColumn));
  }

  for (const policy of catalog.policies) {
    if (policy.roles.includes("public")) {
      push({
        code: "policy-to-public",
        table: policy.table,
        policy: policy.name,
        message: `policy ${policy.name} on ${policy.table} applies TO public: every role, present and future, gets it (including ${roleNames.join(" and ")})`,
        fix: `name the role: CREATE POLICY … TO ${config.role}`,
      });
    }
    if (!callsSettingPerRow(policy.using) && !callsSettingPerRow(policy.withCheck)) continue;
    push({
      code: "per-row-setting",
      table: policy.table,
      policy: policy.name,
      message: `policy ${policy.name} on ${policy.table} calls current_setting() outside a sub-select, so it is evaluated for every row`,
      fix: "wrap it as (SELECT current_setting('…', true)) so it is evaluated once per statement",
    });
  }

  const objects = [
    ...relations.map((relation) =>
      judgeRelation(relation, catalog, { roleNames, userScope, audience, relationByName, push }),
    ),
    ...(catalog.routines ?? []).map((routine) => judgeRoutine(routine, config, push)),
  ];
  judgeRoles(catalog, roleNames, push);
  for (const relation of relations) {
    judgeActionTriggers(
      relation,
      writersOf(relation).length > 0,
      { tenantColumn: config.tenantColumn, definerRoutines: config.definerRoutines },
      push,
    );
  }
  judgeSearchPathShadowing(catalog, push);
  for (const trigger of catalog.eventTriggers ?? []) {
    push({
      code: "event-trigger",
      table: trigger.name,
      message: `event trigger ${trigger.name} (${trigger.event}) calls ${trigger.function}${trigger.runsAs ? `, which runs as another role (${trigger.runsAs})` : ""}: it runs on DDL by any role, ${roleNames.join(" and ")} included (a TEMP table is enough), so what it does is done for a tenant${trigger.runsAs ? " past every policy" : ""}`,
      fix: `DROP EVENT TRIGGER ${quoteIdent(trigger.name)} (or ALTER EVENT TRIGGER ${quoteIdent(trigger.name)} DISABLE) and do the work in the migrations themselves: any role's DDL fires it, so none is accepted`,
    });
  }
  attachFindings(objects, findings);
  return {
    schema: config.schema,
    role,
    roles: catalog.appRoles ?? [],
    tenantColumn: config.tenantColumn,
    tenantSetting: config.tenantSetting,
    rows,
    objects,
    readableNonTenantTables: catalog.readableNonTenantTables,
    findings,
    warnings,
    ok: findings.length === 0,
  };
}

function judgeRelation(
  relation: RelationInfo,
  catalog: RlsCatalog,
  context: {
    roleNames: string[];
    userScope: Scope;
    audience: PolicyAudience;
    relationByName: ReadonlyMap<string, RelationInfo>;
    push: (f: RlsFinding) => void;
  },
): ObjectVerdict {
  const { config } = catalog;
  const { roleNames, userScope, audience, relationByName, push } = context;
  const name = relation.name;
  const verdict = (cls: ObjectClass): ObjectVerdict => ({
    name,
    kind: relation.kind,
    class: cls,
    access: relation.access,
    ...(relation.kind.endsWith("table") ? { rlsEnabled: relation.rlsEnabled } : {}),
    findings: [],
  });
  const reaching = Object.keys(relation.access);
  if (reaching.length === 0) return verdict("unreachable");
  judgeOwnerCode(relation, config.definerRoutines, relationByName, push);
  judgeDescendants(relation, reaching, push);
  const isShared = declared(config.sharedTables, name);
  for (const [grantee, privileges] of Object.entries(relation.access)) {
    const dangerous = privileges.filter((p) => ["TRUNCATE", "TRIGGER", "REFERENCES"].includes(p));
    if (dangerous.length > 0) {
      push({
        code: "dangerous-privilege",
        table: name,
        message: `${grantee} has ${dangerous.join(", ")} on ${name}: TRUNCATE empties every tenant's rows (RLS does not apply to it), TRIGGER runs the tenant's code in other sessions, REFERENCES probes other tenants' keys`,
        fix: `REVOKE ${dangerous.join(", ")} ON ${name} FROM ${grantee}`,
      });
    }
    if (grantee !== config.role && !isShared) {
      push({
        code: "stray-grant",
        table: name,
        message: `${grantee} has ${privileges.join(", ")} on ${name}, which is not a declared shared table: ${grantee} runs without a tenant or user, so it should reach nothing else`,
        fix: `REVOKE ALL ON ${name} FROM ${grantee}, or declare the table in the RLS config's sharedTables if it is reference data`,
      });
    }
  }
  if (relation.kind === "sequence") {
    // USAGE and SELECT are what a serial column's default needs (nextval) and let a tenant see
    // the shared counter move, as any inserted id does; setval moves it for every tenant.
    for (const [grantee, privileges] of Object.entries(relation.access)) {
      if (!privileges.includes("UPDATE")) continue;
      push({
        code: "sequence-writable",
        table: name,
        message: `${grantee} has UPDATE on sequence ${name}: setval() resets the counter every tenant draws ids from, so other tenants' inserts collide or reuse ids`,
        fix: `REVOKE UPDATE ON SEQUENCE ${sqlName(name)} FROM ${grantee} (USAGE, SELECT is all an insert needs)`,
      });
    }
    return verdict("sequence");
  }
  if (isShared) {
    // A view that reads as its owner, or a materialized view, holds what its tables hold: under a
    // shared name it may read only shared tables.
    const ownerRead = relation.kind === "materialized view" || (relation.kind === "view" && !relation.securityInvoker);
    const unshared = ownerRead ? relation.readsRelations.filter((r) => !declared(config.sharedTables, r)) : [];
    if (unshared.length > 0) {
      push({
        code: "shared-view-source",
        table: name,
        message: `${relation.kind} ${name} is declared shared (sharedTables) but reads ${unshared.join(", ")}, which ${unshared.length === 1 ? "is" : "are"} not: every tenant reads ${relation.kind === "view" ? "through it, as its owner and past their policies," : "in it"} what those hold${relation.readsTenantTables.length > 0 ? ` (tenant tables ${relation.readsTenantTables.join(", ")})` : ""}`,
        fix: `read only shared tables in it (in sharedTables: reference data), or take it out of sharedTables${relation.kind === "view" ? ` and ALTER VIEW ${sqlName(name)} SET (security_invoker = true)` : ` and REVOKE ALL ON ${sqlName(name)} FROM ${reaching.join(", ")}`}`,
      });
    }
    const writable = Object.entries(relation.access).filter(([, p]) => p.some((x) => x !== "SELECT"));
    for (const [grantee, privileges] of writable) {
      push({
        code: "shared-table-writable",
        table: name,
        message: `shared reference table ${name} is writable by ${grantee} (${privileges.filter((p) => p !== "SELECT").join(", ")}): one tenant could change what every tenant reads`,
        fix: `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${name} FROM ${grantee}`,
      });
    }
    return verdict(unshared.length > 0 ? "unclassified" : "shared");
  }
  if (relation.kind === "view") {
    if (relation.securityInvoker) return verdict("invoker view");
    push({
      code: "definer-view",
      table: name,
      message: `view ${name} is reachable by ${reaching.join(", ")} without security_invoker: it reads its tables as its owner, past their policies${relation.readsTenantTables.length > 0 ? ` (it reads tenant tables ${relation.readsTenantTables.join(", ")})` : ""}`,
      fix: `ALTER VIEW ${name} SET (security_invoker = true), or REVOKE ALL ON ${name} FROM ${reaching.join(", ")}`,
    });
    return verdict("unclassified");
  }
  if (relation.kind === "materialized view" || relation.kind === "foreign table") {
    const matview = relation.kind === "materialized view";
    push({
      code: matview ? "materialized-view-granted" : "foreign-table-granted",
      table: name,
      message: `${relation.kind} ${name} is reachable by ${reaching.join(", ")}: it has no Row-Level Security, so every row is visible${relation.readsTenantTables.length > 0 ? ` (it holds rows of tenant tables ${relation.readsTenantTables.join(", ")})` : ""}`,
      fix: `REVOKE ALL ON ${name} FROM ${reaching.join(", ")}, or declare it in sharedTables if it holds only reference data`,
    });
    return verdict("unclassified");
  }
  // Every reachable table with the tenant column, in any schema, is a row of the matrix and was
  // judged there (RLS, a policy per command, each one scoped to the tenant).
  if (relation.hasTenantColumn) return verdict("tenant");
  if (relation.rlsEnabled) {
    const policies = catalog.policies.filter((p) => p.table === name);
    judgePolicies(
      name,
      appPolicies(policies, audience, roleNames),
      userScope,
      `the user or tenant (${userScope.settings.join(" or ")})`,
      false,
      (policy) => audience.via(policy, roleNames),
      push,
    );
    return verdict("user-scoped");
  }
  push({
    code: "unprotected-table",
    table: name,
    message: `${name} is reachable by ${Object.entries(relation.access)
      .map(([r, p]) => `${r} (${p.join(", ")})`)
      .join(
        ", ",
      )} but has no Row-Level Security and is not a declared shared table: every tenant reads${Object.values(relation.access).some((p) => p.some((x) => x !== "SELECT")) ? " and writes" : ""} every row`,
    fix: `enable RLS with policies on the tenant or user setting, REVOKE ALL ON ${name} FROM ${reaching.join(", ")} if the app roles need nothing of it, or declare it in the RLS config's sharedTables (SELECT only)`,
  });
  return verdict("unclassified");
}

/** A tenant table declared read-only (`readOnlyTenantTables`): no app role may write it. */
function judgeReadOnly(table: string, relation: RelationInfo | undefined, push: (f: RlsFinding) => void): void {
  for (const [grantee, privileges] of Object.entries(relation?.access ?? {})) {
    const writes = privileges.filter((p) => ["INSERT", "UPDATE", "DELETE"].includes(p));
    if (writes.length === 0) continue;
    push({
      code: "read-only-table-writable",
      table,
      message: `${grantee} has ${writes.join(", ")} on ${table}, which is declared read-only for the app roles (readOnlyTenantTables): policies that grant rows through an EXISTS over it let a tenant that writes it grant itself those rows`,
      fix: `REVOKE ${writes.join(", ")} ON ${sqlName(table)} FROM ${grantee}, and write it from the server as the owner`,
    });
  }
}

/**
 * A table whose descendants (INHERITS children, partitions) may be guarded more closely than it
 * is: reading it returns their rows under its own policies, not theirs. Only a tenant table with
 * RLS on confines every row it returns by the tenant, its descendants' included; below any other
 * table, a descendant with the tenant column or with RLS on is exposed.
 */
function judgeDescendants(relation: RelationInfo, reaching: string[], push: (f: RlsFinding) => void): void {
  if (relation.hasTenantColumn && relation.rlsEnabled) return;
  const exposed = relation.descendants.filter((d) => d.hasTenantColumn || d.rlsEnabled);
  if (exposed.length === 0) return;
  const names = exposed.map((d) => d.name);
  push({
    code: "inherited-rows",
    table: relation.name,
    message: `${names.join(", ")} ${names.length === 1 ? "inherits" : "inherit"} from ${relation.name}, which ${reaching.join(" and ")} can reach: reading ${relation.name} returns their rows under ${relation.name}'s own policies${relation.rlsEnabled ? "" : " (none: RLS is off)"}, not theirs`,
    fix: `make each a table of its own (ALTER TABLE ${names.map(sqlName).join(", ")} NO INHERIT ${sqlName(relation.name)}; in the schema, a table that repeats the columns), or REVOKE ALL ON ${sqlName(relation.name)} FROM ${reaching.join(", ")}`,
  });
}

/**
 * How a routine runs as another role or tenant, in words, from the probe's `runsAs`
 * (`SECURITY DEFINER`, `SET role=…`, `SET app.tenant_id=…`) and, for an aggregate, the support
 * function that does.
 */
function runsAsWords(runsAs: string, supportFunction?: string | null): string {
  const setting = runsAs.startsWith("SET ") ? (runsAs.slice("SET ".length).split("=")[0] ?? "").toLowerCase() : "";
  const through = supportFunction ? `, through its support function ${supportFunction},` : "";
  return setting && setting !== "role" && setting !== "session_authorization"
    ? `runs${through} for the tenant or user it sets (${runsAs})`
    : `runs${through} as another role (${runsAs})`;
}

/** The statement that makes a routine run as its caller again: on the support function that runs as another role, for an aggregate. */
function undoRunsAs(routine: string, runsAs: string, supportFunction?: string | null): string {
  const target = supportFunction ?? routine;
  return runsAs === "SECURITY DEFINER"
    ? `ALTER FUNCTION ${target} SECURITY INVOKER`
    : `ALTER FUNCTION ${target} RESET ${runsAs.slice("SET ".length).split("=")[0] ?? "role"}`;
}

/** Who may write a relation: the app roles with INSERT, UPDATE, DELETE or TRUNCATE on it. */
const writersOf = (relation: RelationInfo) =>
  Object.entries(relation.access)
    .filter(([, privileges]) => privileges.some((p) => ["INSERT", "UPDATE", "DELETE", "TRUNCATE"].includes(p)))
    .map(([role]) => role);

/**
 * Code that runs with another role's rights when an app role touches the relation: a rule (its
 * actions run as the relation's owner) on anything the app roles reach, an undeclared routine
 * running as another role that something attached to it calls (a default, a constraint, the view,
 * an index, a policy…), and a trigger whose function runs as another role on anything they can
 * write. Each acts past RLS. Rows written to a relation reach its descendants (partitions, INHERITS
 * children) whatever their own grants, so the triggers and attached routines of a descendant the
 * app roles cannot write themselves are judged here too.
 */
function judgeOwnerCode(
  relation: RelationInfo,
  declaredDefiners: readonly string[] | undefined,
  relationByName: ReadonlyMap<string, RelationInfo>,
  push: (f: RlsFinding) => void,
): void {
  const name = relation.name;
  const reaching = Object.keys(relation.access);
  for (const rule of relation.rules) {
    push({
      code: "relation-rule",
      table: name,
      message: `rule ${rule} on ${name} (reachable by ${reaching.join(", ")}) runs its actions with the rights of ${name}'s owner: what a tenant's statement sets off reads and writes other tenants' rows past every policy`,
      fix: `DROP RULE ${quoteIdent(rule)} ON ${sqlName(name)} and do the work in a SECURITY INVOKER trigger (or in the application), or REVOKE ALL ON ${sqlName(name)} FROM ${reaching.join(", ")}`,
    });
  }
  const writers = writersOf(relation);
  const below = relation.descendants
    .map((d) => relationByName.get(d.name))
    .filter((d): d is RelationInfo => d !== undefined && writersOf(d).length === 0);
  const judged = [
    {
      on: relation,
      reached: `${name} (reachable by ${reaching.join(", ")})`,
      written: `${name} (writable by ${writers.join(", ")})`,
      dependencies: true,
    },
    // An unreachable descendant's attached code is judged here; a reachable one's on its own.
    ...(writers.length === 0
      ? []
      : below.map((d) => ({
          on: d,
          reached: `${d.name}, which the rows written to ${name} (writable by ${writers.join(", ")}) reach,`,
          written: `${d.name}, which the rows written to ${name} (writable by ${writers.join(", ")}) reach,`,
          dependencies: Object.keys(d.access).length === 0,
        }))),
  ];
  for (const { on, reached, written, dependencies } of judged) {
    for (const dependency of dependencies ? on.definerDependencies : []) {
      if (declared(declaredDefiners, dependency.name)) continue;
      push({
        code: "definer-dependency",
        table: name,
        message: `${dependency.via} on ${reached} calls ${dependency.function}, which ${runsAsWords(dependency.runsAs, dependency.supportFunction)}: when a tenant's statement uses ${name} it runs past every policy, whatever its schema's USAGE or its EXECUTE grant (it is called by OID)`,
        fix: `${undoRunsAs(dependency.function, dependency.runsAs, dependency.supportFunction)}, or drop the ${dependency.via}; or, if it must run as its owner, declare it in definerRoutines and pin its search_path`,
      });
    }
    if (writers.length === 0) continue;
    for (const trigger of on.definerTriggers) {
      push({
        code: "definer-trigger",
        table: name,
        message: `trigger ${trigger.name} on ${written} calls function ${trigger.function}, which ${runsAsWords(trigger.runsAs)}: whenever a tenant writes it acts past every policy (revoking EXECUTE does not stop a trigger)`,
        fix: `${undoRunsAs(trigger.function, trigger.runsAs)} (the tenant's own policies then apply to what it reads and writes), or drop the trigger`,
      });
    }
  }
}

function judgeRoutine(routine: RoutineInfo, config: RlsConfig, push: (f: RlsFinding) => void): ObjectVerdict {
  const verdict = (cls: ObjectClass): ObjectVerdict => ({
    name: routine.signature,
    kind: routine.extension ? `routine (extension ${routine.extension})` : "routine",
    class: cls,
    access: Object.fromEntries(routine.executableBy.map((r) => [r, ["EXECUTE"]])),
    findings: [],
  });
  const callers = routine.executableBy.join(", ");
  const support = routine.supportFunction ? ` (through its support function ${routine.supportFunction})` : "";
  if (routine.setsSetting) {
    // Not declarable: a routine that picks the tenant itself serves whichever tenant calls it.
    push({
      code: "routine-sets-setting",
      table: routine.signature,
      message: `routine ${routine.signature}${support} (executable by ${callers}) is defined with SET ${routine.setsSetting}: whoever calls it, its statements run for that tenant or user, whose rows the policies then let through`,
      fix: `ALTER FUNCTION ${routine.supportFunction ?? routine.signature} RESET ${routine.setsSetting.split("=")[0]} (the caller's context then applies), or REVOKE EXECUTE ON FUNCTION ${routine.signature} FROM PUBLIC, ${callers}`,
    });
  }
  // A routine defined with SET role (or session_authorization) runs as that role whoever calls
  // it, SECURITY INVOKER or not: it is judged like a SECURITY DEFINER one. So is an aggregate whose
  // support function is either: PostgreSQL runs it for whoever may call the aggregate.
  if (!routine.securityDefiner && !routine.setsRole)
    return verdict(routine.setsSetting ? "unclassified" : "invoker routine");
  const how = routine.securityDefiner ? "SECURITY DEFINER routine" : `routine (SET ${routine.setsRole})`;
  if (!declared(config.definerRoutines, routine.name)) {
    push({
      code: "definer-routine",
      table: routine.signature,
      message: `${how} ${routine.signature}${support} can be executed by ${callers}: it runs as ${routine.securityDefiner ? "its owner" : "the role it sets"}, past every policy, and is not declared`,
      fix: `REVOKE EXECUTE ON FUNCTION ${routine.signature} FROM PUBLIC, ${callers}; or make ${routine.supportFunction ? `its support function ${routine.supportFunction}` : "it"} ${routine.securityDefiner ? "SECURITY INVOKER" : "SECURITY INVOKER without SET role (ALTER FUNCTION … RESET ALL)"}; or, if it must run as another role, declare it in definerRoutines and pin its search_path`,
    });
  }
  if (!routine.pinnedSearchPath) {
    push({
      code: "definer-search-path",
      table: routine.signature,
      message: `${how} ${routine.signature}${support} (executable by ${callers}) has no pinned search_path: a caller can shadow the objects it uses with their own`,
      fix: `ALTER FUNCTION ${routine.supportFunction ?? routine.signature} SET search_path = pg_catalog, ${config.schema}`,
    });
  }
  return verdict(
    declared(config.definerRoutines, routine.name) && !routine.setsSetting ? "declared definer" : "unclassified",
  );
}

function judgeRoles(catalog: RlsCatalog, roleNames: string[], push: (f: RlsFinding) => void): void {
  const { config, role } = catalog;
  if (!role.exists) {
    push({
      code: "role-missing",
      message: `role ${config.role} does not exist: tenant statements cannot switch to it`,
      fix: `create it: CREATE ROLE "${config.role}" NOLOGIN NOBYPASSRLS`,
    });
  }
  const infos: RoleInfo[] = catalog.appRoles && catalog.appRoles.length > 0 ? catalog.appRoles : [role];
  for (const info of infos) {
    if (!info.exists || !roleNames.includes(info.name)) continue;
    if (info.superuser) {
      push({
        code: "role-superuser",
        message: `role ${info.name} is a superuser, which bypasses every policy`,
        fix: `ALTER ROLE "${info.name}" NOSUPERUSER`,
      });
    }
    if (info.bypassRls) {
      push({
        code: "role-bypasses-rls",
        message: `role ${info.name} has BYPASSRLS, so no policy applies to it`,
        fix: `ALTER ROLE "${info.name}" NOBYPASSRLS`,
      });
    }
    for (const owned of info.ownedTables) {
      push({
        code: "role-owns-table",
        table: owned,
        message: `role ${info.name} owns ${owned}; an owner is not subject to its table's policies`,
        fix: `ALTER TABLE ${owned} OWNER TO <the migration user>`,
      });
    }
    const links = info as Partial<AppRoleInfo>;
    for (const owned of links.ownedObjects ?? []) {
      push({
        code: "role-owns-object",
        table: owned,
        message: `role ${info.name} owns ${owned}: every tenant runs as ${info.name}, so a tenant may alter or drop it, and a DROP … CASCADE takes with it the columns and objects that depend on it, every tenant's rows in them`,
        fix: `REASSIGN OWNED BY ${quoteIdent(info.name)} TO <the migration user> (it gives every object ${info.name} owns in this database to that role)`,
      });
    }
    for (const other of links.escalations ?? []) {
      push({
        code: "role-escalation",
        message: `role ${info.name} is a member of ${other}, which bypasses RLS, is a superuser or owns tables: SET ROLE ${other} (or its inherited privileges) leaves every policy behind`,
        fix: `REVOKE "${other}" FROM "${info.name}"`,
      });
    }
    for (const schemaName of links.createSchemas ?? []) {
      push({
        code: "schema-create",
        table: schemaName,
        message: `role ${info.name} may CREATE in schema ${schemaName}: a tenant could add functions, views or tables that other sessions resolve by name`,
        fix: `REVOKE CREATE ON SCHEMA ${schemaName} FROM ${info.name} (and FROM PUBLIC)`,
      });
    }
    if ((links.largeObjects ?? 0) > 0) {
      push({
        code: "large-object-owned",
        message: `role ${info.name} can use ${links.largeObjects} large object(s) (it or a role it is a member of owns them, they are granted to it or to PUBLIC, or lo_compat_privileges is on): large objects have no row-level security and every tenant runs as ${info.name}, so each tenant reads (lo_get) what another stored`,
        fix: `keep the bytes in a bytea column of a tenant table (RLS applies); remove the large objects ${info.name} owns (SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE pg_has_role('${info.name}', lomowner, 'MEMBER')), revoke those granted (REVOKE ALL ON LARGE OBJECT <oid> FROM ${info.name}, PUBLIC), and keep lo_compat_privileges off`,
      });
    }
  }
}

/** Notes each object's finding codes on it, so the matrix shows them next to the object. */
function attachFindings(objects: ObjectVerdict[], findings: RlsFinding[]): void {
  const byName = new Map(objects.map((o) => [o.name, o]));
  for (const finding of findings) {
    const object = finding.table ? byName.get(finding.table) : undefined;
    if (object && !object.findings.includes(finding.code)) object.findings.push(finding.code);
  }
}
