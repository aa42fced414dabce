/**
 * Trovella's defaults for the toolkit's commands: its folders and config files, how to reach its
 * database (`DATABASE_URL`, else the embedded PGlite database), its RLS model, and the words a
 * Trovella engineer knows. Every `src/<command>.ts` passes this to a command of `@repo/migrator`;
 * it imports nothing heavy, so `db:migrate` on a deploy starts fast (the seed command adds the
 * seed tiers itself).
 */
import { fileURLToPath } from "node:url";
import type { Project, RlsConfig } from "@repo/migrator";
import { connectionFromEnv, openDriver, openThrowawayDatabase } from "./connection.ts";

/** Trovella's Drizzle Kit migrations folder (`packages/db/src/migrations`). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/** `packages/db/review.config.json`: tenant column, role, guard baseline, rule severities. */
export const REVIEW_CONFIG_PATH = fileURLToPath(new URL("../review.config.json", import.meta.url));

/** `packages/db/review-baseline.json`: accepted findings of already-applied migrations. */
export const REVIEW_BASELINE_PATH = fileURLToPath(new URL("../review-baseline.json", import.meta.url));

/** The TypeScript schema (`packages/db/src/schema`). */
export const SCHEMA_FOLDER = fileURLToPath(new URL("./schema", import.meta.url));

/** The column that makes a table tenant-scoped. */
export const TENANT_COLUMN = "organization_id";

/**
 * Trovella's tenant model for the RLS toolkit: tables with `organization_id` in `public` are
 * confined by policies for `authenticated` that read `app.tenant_id`; user-scoped tables (tokens,
 * `user`, `organization`) by policies on `app.user_id` (or the tenant); the model registry is the
 * only shared reference data; `anonymous` reaches nothing else; no SECURITY DEFINER routine is
 * callable by the app roles.
 */
export const RLS_CONFIG: RlsConfig = {
  schema: "public",
  tenantColumn: TENANT_COLUMN,
  role: "authenticated",
  tenantSetting: "app.tenant_id",
  userSetting: "app.user_id",
  otherRoles: ["anonymous"],
  sharedTables: ["ai_model", "ai_model_pricing"],
  // The user policy shows a tenant's members through an EXISTS over member: the tenant must not write it.
  readOnlyTenantTables: ["member"],
  definerRoutines: [],
};

export const trovella: Project = {
  migrationsFolder: MIGRATIONS_FOLDER,
  openDriver: (env, options) => openDriver(connectionFromEnv(env), options),
  hints: {
    "connection-failed":
      "Trovella: DATABASE_URL names the server (unset: the embedded database in packages/db/.pglite); pnpm db:server starts the local one on 5433",
  },
  review: {
    configPath: REVIEW_CONFIG_PATH,
    baselinePath: REVIEW_BASELINE_PATH,
    openThrowawayDriver: openThrowawayDatabase,
    // `--live` creates its throwaway database on the server DATABASE_URL names, else uses PGlite.
    liveServerUrl: (env) => {
      const connection = connectionFromEnv(env);
      return connection.kind === "postgres" ? connection.url : undefined;
    },
    // CI sets DB_REVIEW_BASE to the pull request's base, or to the commit before a push to main
    // (.github/workflows/ci.yml); the pre-push hook passes --base itself.
    baseRef: (env) => env["DB_REVIEW_BASE"] || undefined,
  },
  schemaFolder: SCHEMA_FOLDER,
  rls: RLS_CONFIG,
};
