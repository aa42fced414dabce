// ESLint for the whole repository (flat config). The rule that matters most here is the tenant
// boundary: the bare `db` connection and `createDatabase` (which opens another one) bypass
// Row-Level Security, so only the migration runner and its commands, the seeds, the auth
// bootstrap, the client itself and tests may import them.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Files allowed to import the bare `db` (RLS-bypassing) connection and `createDatabase`. */
export const bareDbAllowed = [
  // the client itself, which defines `db` and passes it as the default database of its wrappers
  "packages/db/src/client.ts",
  // the migration runner and its commands
  "packages/db/src/migrate.ts",
  "packages/db/src/status.ts",
  "packages/db/src/verify.ts",
  "packages/db/src/accept-hash.ts",
  "packages/db/src/migration-commands.ts",
  "packages/db/src/review.ts",
  "packages/db/src/revert.ts",
  "packages/db/src/rls.ts",
  // seeds: reference data is global and written by the owner
  "packages/db/src/seed.ts",
  "packages/db/src/seeds/**",
  // authentication runs before any tenant or user is known
  "packages/db/src/auth-bootstrap.ts",
  "packages/db/src/personal-access-tokens.ts",
  // test support and tests (the RLS mutation run builds and weakens throwaway databases)
  "packages/db/src/rls-mutations.ts",
  "packages/*/src/testing/**",
  "**/__tests__/**",
  "**/*.test.ts",
];

const bareDbMessage =
  "The bare `db` connection bypasses Row-Level Security. Use `withTenantContext(tenantId, userId, (tx) => …)` from `@repo/db`; only the migration runner, seeds and auth bootstrap may import `db` (see docs/tenant-context.md).";

/** The client's exports that hand out an owner (RLS-bypassing) connection. */
const bareConnectionExports = ["db", "createDatabase"];

const bareConnectionMessage =
  "`db` and `createDatabase` hand out the owner connection, which bypasses Row-Level Security. Use `withTenantContext(tenantId, userId, (tx) => …)`, `withUserContext` or `withTenantJob` from `@repo/db`; only the migration runner, seeds, auth bootstrap and tests may import them (see docs/tenant-context.md).";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/.pglite/**", "**/dist/**", "**/coverage/**", ".tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@repo/db/client", importNames: ["db"], message: bareDbMessage },
            { name: "@repo/db/client", importNames: ["createDatabase"], message: bareConnectionMessage },
            { name: "@repo/db", importNames: bareConnectionExports, message: bareConnectionMessage },
          ],
          patterns: [
            {
              regex: "^\\.{1,2}/(?:.*/)?client(?:\\.ts)?$",
              importNames: bareConnectionExports,
              message: bareConnectionMessage,
            },
          ],
        },
      ],
    },
  },
  {
    // import("@repo/db/client") would reach the same exports without an import declaration.
    files: ["**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportExpression[source.value=/^@repo\\/db\\/client$|^\\.{1,2}\\/(.*\\/)?client(\\.ts)?$/]",
          message: bareConnectionMessage,
        },
      ],
    },
  },
  { files: bareDbAllowed, rules: { "no-restricted-imports": "off", "no-restricted-syntax": "off" } },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  // Plain-JavaScript scripts run by Node (the toolkit's `run-built` launcher).
  { files: ["**/*.mjs"], languageOptions: { globals: { process: "readonly" } } },
);
