/**
 * What makes a table tenant-scoped and who the policies must confine. Everything in `rls/` is
 * parameterised by this, so the toolkit knows nothing of any one project's tables.
 */
export interface RlsConfig {
  /** The schema whose tables are checked, e.g. `public`. */
  schema: string;
  /** The column that makes a table a tenant table, e.g. `organization_id`. */
  tenantColumn: string;
  /** The role tenant statements run as (`SET LOCAL ROLE …`), e.g. `authenticated`. */
  role: string;
  /** The setting the policies compare the tenant column with, e.g. `app.tenant_id`. */
  tenantSetting: string;
  /**
   * The setting user-scoped policies compare a user column with, e.g. `app.user_id`. A table
   * without the tenant column whose policies read this (or the tenant setting) is user-scoped.
   */
  userSetting?: string;
  /**
   * Other roles the application runs as, e.g. `anonymous`: they must reach nothing but the
   * shared reference tables, read-only.
   */
  otherRoles?: readonly string[];
  /**
   * Shared reference tables (and materialized or security-definer views over them): readable by
   * every tenant, never writable by the app roles. `name` for `schema`, `schema.name` elsewhere.
   */
  sharedTables?: readonly string[];
  /**
   * Tenant tables the app roles may only read, such as memberships: other tables' policies grant
   * rows through an EXISTS over them, so a tenant that could write one would grant itself those
   * rows. A trusted server writes them as the owner. Only a SELECT policy is required; INSERT,
   * UPDATE or DELETE for an app role is a finding. `name` for `schema`, `schema.name` elsewhere.
   */
  readOnlyTenantTables?: readonly string[];
  /**
   * SECURITY DEFINER routines the app roles may call (they run as their owner, past RLS): each
   * must pin its `search_path`. `name` for `schema`, `schema.name` elsewhere. Any other definer
   * routine the app roles can execute is a finding.
   */
  definerRoutines?: readonly string[];
}

/** Every role the application runs as: the tenant role first. */
export function appRoles(config: RlsConfig): string[] {
  return [config.role, ...(config.otherRoles ?? [])];
}

/** The four commands a tenant table needs a policy for, in the order they are reported. */
export const RLS_COMMANDS = ["select", "insert", "update", "delete"] as const;
export type RlsCommand = (typeof RLS_COMMANDS)[number];
