/**
 * Ways another schema's object takes the place of the configured schema's for a name a statement
 * does not qualify (a view named `member`, a function named `current_setting`): a schema named
 * like an app role, which `"$user"` (first in PostgreSQL's default `search_path`) finds first once
 * a session runs as that role; and a default `search_path` set for the database or a role
 * (`ALTER DATABASE … SET search_path`, `ALTER ROLE … SET search_path`) that names another schema,
 * or lists `pg_catalog` after one (`app, pg_catalog`: `app.current_setting` or a domain `app.uuid`
 * comes before the built-in). Every unqualified name of the app's code, of a policy's sub-select
 * written by name, of a helper function's body without a `search_path` of its own, and of any
 * tool's catalog read then resolves there.
 */
import type { RlsCatalog } from "./catalog-probe.ts";
import type { RlsFinding } from "./rls-finding.ts";
import { catalogFirst } from "./search-path-value.ts";
import { quoteIdent } from "../sql/quote-ident.ts";

/** Judges the schemas named like app roles and the default search_path settings of a catalog. */
export function judgeSearchPathShadowing(catalog: RlsCatalog, push: (finding: RlsFinding) => void): void {
  const { config } = catalog;
  for (const { schema, role } of catalog.roleSchemas ?? []) {
    push({
      code: "role-named-schema",
      table: schema,
      message: `schema ${schema} is named like app role ${role}, which may use it: "$user", first in PostgreSQL's default search_path, finds it before ${config.schema} once a session runs as ${role}, so a view or function there takes the place of ${config.schema}'s of the same name (member, current_setting…) wherever a name is not qualified`,
      fix: `ALTER SCHEMA ${quoteIdent(schema)} RENAME TO <another name> (revoking USAGE does not do if ${role} owns it), and move what the app needs into ${config.schema}`,
    });
  }
  // The schemas a default path may name: PostgreSQL's own default ("$user", whose schema is
  // judged above), the configured schema and the catalog.
  const harmless = new Set(["$user", config.schema, "pg_catalog"]);
  for (const setting of catalog.searchPathDefaults ?? []) {
    const { schemas } = setting;
    const others = schemas?.filter((schema) => !harmless.has(schema));
    // The schemas listed before pg_catalog: a bare current_setting or uuid finds theirs first
    // ("$user"'s is judged above).
    const aheadOfCatalog =
      schemas && !catalogFirst(schemas)
        ? schemas.slice(0, schemas.indexOf("pg_catalog")).filter((schema) => schema !== "$user")
        : [];
    if (others && others.length === 0 && aheadOfCatalog.length === 0) continue;
    const scope = setting.role
      ? `role ${setting.role}${setting.database ? ` in database ${setting.database}` : ""}`
      : setting.database
        ? `database ${setting.database}`
        : "every role in every database";
    const reset = setting.role
      ? `ALTER ROLE ${quoteIdent(setting.role)}${setting.database ? ` IN DATABASE ${quoteIdent(setting.database)}` : ""} RESET search_path`
      : setting.database
        ? `ALTER DATABASE ${quoteIdent(setting.database)} RESET search_path`
        : "ALTER ROLE ALL RESET search_path";
    push({
      code: "search-path-default",
      table: scope,
      message:
        aheadOfCatalog.length > 0
          ? `${scope} has the default search_path ${setting.value}, which lists pg_catalog after ${aheadOfCatalog.join(", ")}: a session starts with it, so a function or type there named like a built-in (current_setting, uuid, text) is what an unqualified name finds before PostgreSQL's own, for the app, for a helper function's body without a search_path of its own, and for every tool reading the database`
          : `${scope} has the default search_path ${setting.value}${others ? `, which names ${others.join(", ")} besides ${config.schema}` : " (it could not be read)"}: a session starts with it, so an object there with the name of one in ${config.schema} (a view named member, a function named current_setting) is what an unqualified name finds, for the app and for every tool reading the database`,
      fix:
        others?.length === 0
          ? `${reset}, or set it again with pg_catalog first`
          : `${reset}, and qualify the names of what the app needs elsewhere (or set search_path inside the statements that need it)`,
    });
  }
}
