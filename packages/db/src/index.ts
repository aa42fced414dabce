/**
 * `@repo/db`: Trovella's schema, tenant context and health check. The bare `db` and
 * `createDatabase` (both the RLS-bypassing owner connection) are deliberately not exported here:
 * import them from `@repo/db/client` (migration runner, seeds, auth bootstrap, tests only).
 */
export {
  checkDatabase,
  ContextClosedError,
  type Database,
  NestedContextError,
  PoolTimeoutError,
  TenantContextError,
  type TenantContextErrorCode,
  TenantMembershipError,
  type Transaction,
  UnknownContextSubjectError,
  withTenantContext,
  withTenantJob,
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
