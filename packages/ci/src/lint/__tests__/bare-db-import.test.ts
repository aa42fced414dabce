import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../check/repo-root.ts";

/**
 * The tenant boundary in ESLint: the bare `db` bypasses Row-Level Security, so only the migration
 * runner, seeds, auth bootstrap, the client and tests may import it. Linted with the repository's
 * real `eslint.config.js`, as `pnpm lint` runs it.
 */
const eslint = new ESLint({ cwd: REPO_ROOT });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

const tenantDataFile = "packages/db/src/research-queries.ts";

describe("no-restricted-imports: the bare db connection", () => {
  it("rejects a bare db import from @repo/db/client in a tenant-data file", async () => {
    const messages = await restrictedImports(
      tenantDataFile,
      'import { db } from "@repo/db/client";\nexport const plans = () => db.query.researchPlan.findMany();\n',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^no-restricted-imports: .*'db' import from '@repo\/db\/client' is restricted/);
    expect(messages[0]).toContain("withTenantContext");
  });

  it("rejects db through the package root and through a relative path to client.ts", async () => {
    const viaRoot = await restrictedImports(tenantDataFile, 'import { db } from "@repo/db";\nexport { db as d };\n');
    const viaRelative = await restrictedImports(
      tenantDataFile,
      'import { db } from "./client.ts";\nexport const all = () => db.select();\n',
    );
    const viaParent = await restrictedImports(
      "packages/db/src/queries/plans.ts",
      'import { db } from "../client.ts";\nexport const all = () => db.select();\n',
    );
    const reExport = await restrictedImports("packages/db/src/index.ts", 'export { db } from "./client.ts";\n');
    for (const messages of [viaRoot, viaRelative, viaParent, reExport]) {
      expect(messages).toEqual([expect.stringMatching(/^no-restricted-imports: .*'db' import .* is restricted/)]);
    }
  });

  it("accepts withTenantContext and the client's other exports", async () => {
    const tenantCode = [
      'import { withTenantContext } from "@repo/db";',
      'import { checkDatabase } from "./client.ts";',
      "export const plans = (org: string, user: string) =>",
      "  withTenantContext(org, user, (tx) => tx.query.researchPlan.findMany());",
      "export { checkDatabase };",
      "",
    ].join("\n");
    expect(await restrictedImports(tenantDataFile, tenantCode)).toEqual([]);
  });

  it("allows db in the migration runner, the seeds, the auth bootstrap and tests", async () => {
    const code = 'import { db } from "./client.ts";\nexport const run = () => db.select();\n';
    const seedCode = 'import { db } from "../client.ts";\nexport const run = () => db.select();\n';
    expect(await restrictedImports("packages/db/src/migrate.ts", code)).toEqual([]);
    expect(await restrictedImports("packages/db/src/seed.ts", code)).toEqual([]);
    expect(await restrictedImports("packages/db/src/seeds/reference.ts", seedCode)).toEqual([]);
    expect(await restrictedImports("packages/db/src/auth-bootstrap.ts", code)).toEqual([]);
    expect(await restrictedImports("packages/db/src/__tests__/plans.db.test.ts", seedCode)).toEqual([]);
  });
});
