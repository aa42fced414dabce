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
}

/** The four commands a tenant table needs a policy for, in the order they are reported. */
export const RLS_COMMANDS = ["select", "insert", "update", "delete"] as const;
export type RlsCommand = (typeof RLS_COMMANDS)[number];
