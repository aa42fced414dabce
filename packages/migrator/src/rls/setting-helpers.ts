/**
 * Helper functions that stand for a read of a setting in a policy (`organization_id =
 * app.current_tenant()` instead of `organization_id = (SELECT current_setting('app.tenant_id',
 * true))::uuid`), judged from the catalog's definition of each function a policy calls.
 */
import type { AppRoleInfo, PolicyFunctionInfo } from "./catalog-probe.ts";
import { helperBodySetting, type Scope, type SettingRead } from "./policy-scope.ts";
import { catalogFirst, searchPathSchemas } from "./search-path-value.ts";

/** How a function's `proconfig` entry that sets its `search_path` starts. */
const SEARCH_PATH = "search_path=";

/**
 * The setting a function reads and the type it returns, if it is a helper whose value is that
 * setting and nothing else:
 *
 * - it takes no arguments (one with defaults or VARIADIC would be called `f()` all the same and
 *   take its value from them);
 * - it is `LANGUAGE sql` and its body is one `SELECT` of the setting, as a policy may read it
 *   (`helperBodySetting`): a PL/pgSQL body or any other statement may return what it likes;
 * - it returns one value of the very type its body selects, which is one a policy may cast the
 *   setting to (a `RETURNS citext` helper makes a citext column compare case-insensitively, as a
 *   cast would): PostgreSQL converts the body's value to the declared type, so a `RETURNS text`
 *   body of `current_setting(…)::uuid` returns the setting normalised (an upper-case uuid as the
 *   lower-case tenant's), as a `::uuid::text` would;
 * - a bare `current_setting` or type name in its body finds pg_catalog's: its own `search_path`,
 *   if it sets one, lists `pg_catalog` first or not at all (`SET search_path = ha, pg_catalog`
 *   makes the body's `current_setting` the `ha.current_setting` its owner may have created);
 * - it is not IMMUTABLE: the planner computes an immutable function without arguments once, when
 *   it plans, and a kept plan (a prepared statement, a PL/pgSQL function's) then carries the
 *   tenant of the session that planned it;
 * - it sets nothing for itself but `search_path` (a `SET app.tenant_id = …` on it makes it read
 *   that): without one, the names its body resolves through the session's `search_path` are
 *   guarded by the `schema-create` and `search-path-default` findings;
 * - no app role may change it (as its owner, a member of its owner or a superuser: `CREATE OR
 *   REPLACE` would make it anything) nor create objects in its schema (what a tenant creates beside
 *   it is found first by a `search_path` naming its schema, as helpers' own often do);
 * - it is the only function of its schema and name that the policies call, so the name in a
 *   policy's expression says which function runs.
 *
 * Whether it is SECURITY DEFINER does not matter: reading a setting needs no privilege.
 */
function helperSetting(fn: PolicyFunctionInfo, createSchemas: ReadonlySet<string>): SettingRead | undefined {
  const helper =
    fn.argumentCount === 0 &&
    fn.language === "sql" &&
    !fn.returnsSet &&
    fn.volatility !== "i" &&
    fn.config.every((entry) => entry.toLowerCase().startsWith(SEARCH_PATH)) &&
    fn.changeableBy.length === 0 &&
    !createSchemas.has(fn.schema);
  const path = fn.config.find((entry) => entry.toLowerCase().startsWith(SEARCH_PATH));
  const schemas = path === undefined ? [] : searchPathSchemas(path.slice(SEARCH_PATH.length));
  const read = helper && schemas ? helperBodySetting(fn.body, catalogFirst(schemas)) : undefined;
  return read && fn.returnType === `pg_catalog.${read.type}` ? read : undefined;
}

/**
 * A {@link Scope}'s `helperSetting` from the catalog: the setting a function that policies call
 * reads and the type it returns, by the schema and name a policy's expression calls it by (bare:
 * `pg_catalog`, the only schema `pg_policies` leaves out under `db:rls`'s search_path), or
 * undefined.
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
