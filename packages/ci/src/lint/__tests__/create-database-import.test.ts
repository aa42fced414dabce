import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../check/repo-root.ts";

/**
 * `createDatabase` opens another owner connection, which bypasses Row-Level Security exactly as
 * the bare `db` does: the import ban covers it on every path (`@repo/db/client`, the package root,
 * a relative path to client.ts, a re-export, a dynamic import). Linted with the repository's real
 * `eslint.config.js`, as `pnpm lint` runs it.
 */
const eslint = new ESLint({ cwd: REPO_ROOT });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

const appFile = "packages/db/src/research-queries.ts";
const restricted = /^no-restricted-(imports|syntax): .*createDatabase.*bypasses Row-Level Security/;

describe("the import ban on createDatabase", () => {
  it("rejects createDatabase from @repo/db/client, the package root, a relative client.ts and a re-export", async () => {
    const cases = [
      [appFile, 'import { createDatabase } from "@repo/db/client";\nexport const open = createDatabase;\n'],
      [appFile, 'import { createDatabase } from "@repo/db";\nexport const open = createDatabase;\n'],
      [appFile, 'import { createDatabase as open } from "./client.ts";\nexport { open };\n'],
      [
        "packages/db/src/queries/plans.ts",
        'import { createDatabase } from "../client.ts";\nexport { createDatabase };\n',
      ],
      ["packages/db/src/index.ts", 'export { createDatabase } from "./client.ts";\n'],
    ];
    for (const [file, code] of cases) {
      expect(await messages(file as string, code as string), code).toEqual([expect.stringMatching(restricted)]);
    }
  });

  it("rejects a dynamic import of the client outside the allowed files", async () => {
    const code = 'export const open = async () => (await import("@repo/db/client")).createDatabase;\n';
    expect(await messages(appFile, code)).toEqual([expect.stringMatching(restricted)]);
    expect(await messages("packages/db/src/seeds/reference.ts", code)).toEqual([]);
  });

  it("still allows the types and the contexts, and createDatabase in tests and test support", async () => {
    const appCode = [
      'import { type Database, withTenantContext, withTenantJob } from "@repo/db";',
      'import type { DatabaseHandle } from "@repo/db/client";',
      "export const f = (d: Database, h: DatabaseHandle) => [d, h, withTenantContext, withTenantJob];",
      "",
    ].join("\n");
    expect(await messages(appFile, appCode)).toEqual([]);
    const testCode = 'import { createDatabase } from "../client.ts";\nexport const open = createDatabase;\n';
    expect(await messages("packages/db/src/testing/test-database.ts", testCode)).toEqual([]);
    expect(await messages("packages/db/src/__tests__/pool.server.test.ts", testCode)).toEqual([]);
  });
});
