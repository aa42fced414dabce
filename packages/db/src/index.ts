/**
 * `@repo/db`: Trovella's schema, tenant context and health check. The bare `db` is deliberately
 * not exported here: import it from `@repo/db/client` (migration runner, seeds, auth bootstrap).
 */
export {
  checkDatabase,
  type Database,
  TenantContextError,
  type Transaction,
  withTenantContext,
  withUserContext,
} from "./client.ts";
export {
  createPAT,
  listUserPATs,
  PAT_PREFIX,
  PersonalAccessTokenError,
  type PersonalAccessTokenSummary,
  revokePAT,
} from "./personal-access-tokens.ts";
export * from "./schema/index.ts";
