/**
 * dependency-cruiser: the package layers of this repository (wiki: Dependency Graph Validation).
 * `@repo/migrator` is the generic toolkit and knows nothing of Trovella; `@repo/db` (core) may
 * import only leaf packages and the toolkit; `@repo/ci` (tooling) is imported by nobody.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle makes the load order depend on who imports first; split the shared part out.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-migrator-to-db",
      severity: "error",
      comment:
        "@repo/migrator is generic: anything Trovella-specific (tables, config, folders) is passed in by @repo/db.",
      from: { path: "^packages/migrator/" },
      to: { path: "^packages/(?!migrator/)[^/]+/" },
    },
    {
      name: "no-core-to-higher",
      severity: "error",
      comment: "@repo/db (core) may import only leaf packages and @repo/migrator, never tooling or services.",
      from: { path: "^packages/db/" },
      to: { path: "^packages/(?!db/|migrator/)[^/]+/" },
    },
    {
      name: "no-import-of-ci-tooling",
      severity: "error",
      comment: "@repo/ci is the quality pipeline; product packages never depend on it.",
      from: { path: "^packages/(?!ci/)" },
      to: { path: "^packages/ci/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve fails at run time; fix the path or add the dependency.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-non-package-json",
      severity: "error",
      comment: "Every package a file imports must be in its package.json (pnpm does not hoist).",
      from: {},
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.pglite|coverage|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
