/**
 * Helper functions that stand for a read of a setting in a policy (`organization_id =
 * app.current_tenant()` instead of `organization_id = (SELECT current_setting('app.tenant_id',
 * true))::uuid`), judged from the catalog's definition of each function a policy calls.
 */
import type { AppRoleInfo, PolicyFunctionInfo } from "./catalog-probe.ts";
import { helperBodySetting, type Scope, SETTING_CASTS } from "./policy-scope.ts";

/**
 * The setting a function reads, if it is a helper whose value is that setting and nothing else:
 *
 * - it takes no arguments (one with defaults or VARIADIC would be called `f()` all the same and
 *   take its value from them);
 * - it is `LANGUAGE sql` and its body is one `SELECT` of the setting, as a policy may read it
 *   (`helperBodySetting`): a PL/pgSQL body or any other statement may return what it likes;
 * - it returns one value of a type a policy may cast the setting to (a `RETURNS citext` helper
 *   makes a citext column compare case-insensitively, as a cast would);
 * - it is not IMMUTABLE: the planner computes an immutable function without arguments once, when
 *   it plans, and a kept plan (a prepared statement, a PL/pgSQL function's) then carries the
 *   tenant of the session that planned it;
 * - it sets nothing for itself but `search_path` (a `SET app.tenant_id = …` on it makes it read
 *   that): the names its body resolves through `search_path` are guarded by the `schema-create`
 *   and `search-path-default` findings;
 * - no app role may change it (as its owner, a member of its owner or a superuser: `CREATE OR
 *   REPLACE` would make it anything) nor create objects in its schema (what a tenant creates beside
 *   it is found first by a `search_path` naming its schema, as helpers' own often do);
 * - it is the only function of its schema and name that the policies call, so the name in a
 *   policy's expression says which function runs.
 *
 * Whether it is SECURITY DEFINER does not matter: reading a setting needs no privilege.
 */
function helperSetting(fn: PolicyFunctionInfo, createSchemas: ReadonlySet<string>): string | undefined {
  const helper =
    fn.argumentCount === 0 &&
    fn.language === "sql" &&
    !fn.returnsSet &&
    fn.returnType.startsWith("pg_catalog.") &&
    SETTING_CASTS.has(fn.returnType.slice("pg_catalog.".length)) &&
    fn.volatility !== "i" &&
    fn.config.every((entry) => entry.toLowerCase().startsWith("search_path=")) &&
    fn.changeableBy.length === 0 &&
    !createSchemas.has(fn.schema);
  return helper ? helperBodySetting(fn.body) : undefined;
}

/**
 * A {@link Scope}'s `helperSetting` from the catalog: the setting a function that policies call
 * reads, by the schema and name a policy's expression calls it by (bare: `pg_catalog`, the only
 * schema `pg_policies` leaves out under `db:rls`'s search_path), or undefined.
 */
export function settingHelpers(
  functions: readonly PolicyFunctionInfo[],
  appRoles: readonly AppRoleInfo[],
): NonNullable<Scope["helperSetting"]> {
  const createSchemas = new Set(appRoles.flatMap((role) => role.createSchemas));
  return (schema, name) => {
    const named = functions.filter((fn) => fn.schema === (schema ?? "pg_catalog") && fn.name === name);
    const [only] = named;
    return named.length === 1 && only ? helperSetting(only, createSchemas) : undefined;
  };
}
