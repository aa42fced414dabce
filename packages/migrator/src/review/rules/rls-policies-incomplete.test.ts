import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../../sql/parse-migration.ts";
import type { PolicyInfo } from "../schema-state.ts";
import { reviewExample } from "../testing/review-example.ts";
import { unconfinedExpressions } from "./tenant-policies.ts";

const table =
  'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ENABLE ROW LEVEL SECURITY;';
const using = "USING (\"organization_id\" = (SELECT current_setting('app.tenant_id', true)))";
const review = (sql: string) => reviewExample({ sql }, "rls-policies-incomplete");

const tenantPolicies = ["select", "insert", "update", "delete"].map(
  (command) =>
    `CREATE POLICY "ai_batch_${command}" ON "ai_batch" AS PERMISSIVE FOR ${command.toUpperCase()} TO "authenticated" ${command === "insert" ? using.replace("USING", "WITH CHECK") : command === "update" ? `${using} ${using.replace("USING", "WITH CHECK")}` : using};`,
);
/** A tenant table with row-level security and its four tenant policies, from an earlier migration. */
const protectedTable = [[table, ...tenantPolicies].join("--> statement-breakpoint\n")];
const afterProtected = async (sql: string) =>
  (await reviewExample({ history: protectedTable, sql }, "rls-policies-incomplete")).map((f) => [f.line, f.message]);

describe("rls-policies-incomplete", () => {
  it("names the missing commands", async () => {
    const findings = await review(
      `${table}--> statement-breakpoint\nCREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT TO "authenticated" ${using};`,
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('"ai_batch" has no insert/update/delete policies for "authenticated"'),
    ]);
  });

  it("does not count policies for another role", async () => {
    const findings = await review(
      `${table}--> statement-breakpoint\nCREATE POLICY "ai_batch_all" ON "ai_batch" AS PERMISSIVE FOR ALL TO "anonymous" ${using};`,
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining("no select/insert/update/delete policies"),
    ]);
  });

  it("passes a FOR ALL policy for the role", async () => {
    expect(
      await review(
        `${table}--> statement-breakpoint\nCREATE POLICY "ai_batch_all" ON "ai_batch" AS PERMISSIVE FOR ALL TO "authenticated" ${using};`,
      ),
    ).toEqual([]);
  });

  it("counts policies created inside DO blocks (the 0007 style)", async () => {
    const policies = ["SELECT", "INSERT", "UPDATE", "DELETE"].map(
      (command) =>
        `DO $$ BEGIN\n  CREATE POLICY "ai_batch_${command.toLowerCase()}" ON "ai_batch" AS PERMISSIVE FOR ${command} TO "authenticated" ${command === "INSERT" ? using.replace("USING", "WITH CHECK") : using};\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
    );
    expect(await review([table, ...policies].join("--> statement-breakpoint\n"))).toEqual([]);
  });

  it("flags an existing tenant table that loses a policy, at the DROP POLICY", async () => {
    const policies = ["select", "insert", "update", "delete"].map(
      (command) =>
        `CREATE POLICY "ai_batch_${command}" ON "ai_batch" AS PERMISSIVE FOR ${command.toUpperCase()} TO "authenticated" ${command === "insert" ? using.replace("USING", "WITH CHECK") : using};`,
    );
    const history = [[table, ...policies].join("--> statement-breakpoint\n")];
    const findings = await reviewExample(
      { history, sql: 'SELECT 1;--> statement-breakpoint\nDROP POLICY IF EXISTS "ai_batch_delete" ON "ai_batch";' },
      "rls-policies-incomplete",
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [2, expect.stringContaining('"ai_batch" has no delete policy for "authenticated"')],
    ]);
  });

  it('flags a tenant table of another schema that loses a policy, at the DROP POLICY (pgSchema\'s "app"."ai_batch")', async () => {
    const inApp = (sql: string) => sql.replaceAll('"ai_batch"', '"app"."ai_batch"');
    const policies = ["select", "insert", "update", "delete"].map(
      (command) =>
        `CREATE POLICY "ai_batch_${command}" ON "ai_batch" AS PERMISSIVE FOR ${command.toUpperCase()} TO "authenticated" ${command === "insert" ? using.replace("USING", "WITH CHECK") : using};`,
    );
    const history = [inApp(['CREATE SCHEMA "app";', table, ...policies].join("--> statement-breakpoint\n"))];
    const findings = await reviewExample(
      {
        history,
        sql: 'SELECT 1;--> statement-breakpoint\nDROP POLICY IF EXISTS "ai_batch_delete" ON "app"."ai_batch";',
      },
      "rls-policies-incomplete",
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [2, expect.stringContaining('"app.ai_batch" has no delete policy for "authenticated"')],
    ]);
  });

  describe("checks an existing tenant table's policies as the migration leaves them", () => {
    it("flags an ALTER POLICY that replaces USING or WITH CHECK with one that does not compare the tenant column, at the ALTER", async () => {
      expect(
        await afterProtected(
          'SELECT 1;--> statement-breakpoint\nALTER POLICY "ai_batch_select" ON "ai_batch" USING (true);',
        ),
      ).toEqual([
        [
          2,
          expect.stringContaining(
            'policy "ai_batch_select" on tenant table "ai_batch" lets "authenticated" through USING (true)',
          ),
        ],
      ]);
      expect(await afterProtected('ALTER POLICY "ai_batch_update" ON "ai_batch" WITH CHECK (true);')).toEqual([
        [
          1,
          expect.stringContaining(
            'policy "ai_batch_update" on tenant table "ai_batch" lets "authenticated" through WITH CHECK (true)',
          ),
        ],
      ]);
      expect(
        await afterProtected(
          `ALTER POLICY "ai_batch_delete" ON "ai_batch" USING ("organization_id" = "organization_id" OR "organization_id" = (SELECT current_setting('app.tenant_id', true)));`,
        ),
      ).toEqual([
        [1, expect.stringContaining('"ai_batch_delete" on tenant table "ai_batch" lets "authenticated" through USING')],
      ]);
    });

    it("keeps what ALTER POLICY leaves out: a new USING keeps the WITH CHECK, a new role list keeps both", async () => {
      // The update policy's WITH CHECK stays the tenant comparison; its USING alone is replaced.
      expect(await afterProtected(`ALTER POLICY "ai_batch_update" ON "ai_batch" ${using};`)).toEqual([]);
      expect(await afterProtected('ALTER POLICY "ai_batch_update" ON "ai_batch" TO "authenticated";')).toEqual([]);
    });

    it("flags an ALTER POLICY that moves a policy to another role, at the ALTER", async () => {
      expect(await afterProtected('ALTER POLICY "ai_batch_select" ON "ai_batch" TO "anonymous";')).toEqual([
        [1, expect.stringContaining('"ai_batch" has no select policy for "authenticated"')],
      ]);
    });

    it("flags a policy that applies TO public, by ALTER POLICY or CREATE POLICY without TO", async () => {
      expect(await afterProtected('ALTER POLICY "ai_batch_select" ON "ai_batch" TO public;')).toEqual([
        [1, expect.stringContaining('policy "ai_batch_select" on tenant table "ai_batch" applies TO public')],
      ]);
      expect(await afterProtected(`CREATE POLICY "ai_batch_read" ON "ai_batch" FOR SELECT ${using};`)).toEqual([
        [1, expect.stringContaining('policy "ai_batch_read" on tenant table "ai_batch" applies TO public')],
      ]);
    });

    it("flags a policy dropped and created again for another role or with a weaker expression, at the CREATE", async () => {
      const recreate = (definition: string) =>
        `DROP POLICY "ai_batch_select" ON "ai_batch";--> statement-breakpoint\nCREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT ${definition};`;
      expect(
        await afterProtected(recreate(`TO "anonymous" USING ("organization_id" = current_setting('app.org')::text)`)),
      ).toEqual([[2, expect.stringContaining('"ai_batch" has no select policy for "authenticated"')]]);
      expect(await afterProtected(recreate('TO "authenticated" USING (true)'))).toEqual([
        [
          2,
          expect.stringContaining(
            '"ai_batch_select" on tenant table "ai_batch" lets "authenticated" through USING (true)',
          ),
        ],
      ]);
      expect(await afterProtected(recreate(`TO "authenticated" ${using}`))).toEqual([]);
    });

    it("flags a permissive policy added next to the tenant policies that lets every row through", async () => {
      expect(
        await afterProtected(
          'CREATE POLICY "ai_batch_all_rows" ON "ai_batch" FOR SELECT TO "authenticated" USING (true);',
        ),
      ).toEqual([
        [
          1,
          expect.stringContaining(
            '"ai_batch_all_rows" on tenant table "ai_batch" lets "authenticated" through USING (true)',
          ),
        ],
      ]);
      // A restrictive policy only narrows what the permissive ones let through.
      expect(
        await afterProtected(
          'CREATE POLICY "ai_batch_narrow" ON "ai_batch" AS RESTRICTIVE FOR SELECT TO "authenticated" USING (true);',
        ),
      ).toEqual([]);
    });

    it("follows ALTER POLICY … RENAME: the policy dropped later under its new name is missed", async () => {
      expect(await afterProtected('ALTER POLICY "ai_batch_delete" ON "ai_batch" RENAME TO "ai_batch_remove";')).toEqual(
        [],
      );
      const renamed = [...protectedTable, 'ALTER POLICY "ai_batch_delete" ON "ai_batch" RENAME TO "ai_batch_remove";'];
      const findings = await reviewExample(
        { history: renamed, sql: 'DROP POLICY "ai_batch_remove" ON "ai_batch";' },
        "rls-policies-incomplete",
      );
      expect(findings.map((f) => [f.line, f.message])).toEqual([
        [1, expect.stringContaining('"ai_batch" has no delete policy for "authenticated"')],
      ]);
    });
  });

  it("does not count a policy without the expression a command reads (SELECT without USING lets no row through)", async () => {
    const policies = tenantPolicies.map((policy) =>
      policy.includes("FOR SELECT")
        ? 'CREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT TO "authenticated";'
        : policy,
    );
    expect((await review([table, ...policies].join("--> statement-breakpoint\n"))).map((f) => f.message)).toEqual([
      expect.stringContaining('"ai_batch" has no select policy for "authenticated"'),
    ]);
  });

  it("flags a new tenant table's policy that compares another column, at its CREATE POLICY", async () => {
    const policies = tenantPolicies.map((policy) =>
      policy.includes("FOR DELETE") ? policy.replace('USING ("organization_id"', 'USING ("id"') : policy,
    );
    const findings = await review([table, ...policies].join("--> statement-breakpoint\n"));
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        10,
        expect.stringContaining(
          '"ai_batch_delete" on tenant table "ai_batch" lets "authenticated" through USING ("id" = (SELECT current_setting(\'app.tenant_id\', true))), which does not compare "organization_id" with a setting',
        ),
      ],
    ]);
  });
});

describe("rls-policies-incomplete: how a policy may read the tenant setting", () => {
  const uuidTable =
    'CREATE TABLE "note" (\n\t"id" uuid PRIMARY KEY NOT NULL,\n\t"organization_id" uuid NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "note" ENABLE ROW LEVEL SECURITY;';
  /** A uuid tenant table whose one FOR ALL policy compares the tenant column with `<value>`. */
  const reviewAll = async (value: string, before: string[] = []) =>
    (
      await review(
        [
          uuidTable,
          ...before,
          `CREATE POLICY "note_all" ON "note" FOR ALL TO "authenticated" USING ("organization_id" = ${value}) WITH CHECK ("organization_id" = ${value});`,
        ].join("--> statement-breakpoint\n"),
      )
    ).map((f) => f.message);

  it("passes the setting cast to uuid or bigint, bare or sub-selected, and NULLIF(setting, '')", async () => {
    for (const value of [
      "current_setting('app.tenant_id', true)::uuid",
      "(SELECT current_setting('app.tenant_id'))::uuid",
      "(SELECT current_setting('app.tenant_id', true)::uuid)",
      "CAST(current_setting('app.tenant_id', true) AS bigint)",
      "NULLIF(current_setting('app.tenant_id', true), '')::uuid",
      "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    ]) {
      expect(await reviewAll(value), value).toEqual([]);
    }
  });

  it("flags a cut or case-blind cast of the setting, and a NULLIF that may return something else", async () => {
    for (const value of [
      "(SELECT current_setting('app.tenant_id', true))::varchar(4)",
      "(SELECT current_setting('app.tenant_id', true))::citext",
      "(SELECT current_setting('app.tenant_id', true))::char(36)",
      "NULLIF(current_setting('app.tenant_id', true), \"organization_id\"::text)::uuid",
    ]) {
      expect(await reviewAll(value), value).toEqual([
        expect.stringContaining('which does not compare "organization_id" with a setting'),
        expect.stringContaining('which does not compare "organization_id" with a setting'),
      ]);
    }
  });

  it("flags a bare ::uuid once the history made a type of that name, or a bare current_setting once it made a function of that name (a search_path may find theirs first)", async () => {
    const shadowing = [
      'CREATE SCHEMA "app";',
      "SET search_path = app, pg_catalog;",
      "CREATE DOMAIN app.uuid AS text;",
      "CREATE FUNCTION app.current_setting(text, boolean) RETURNS text LANGUAGE sql AS $$ SELECT 'org_b' $$;",
    ];
    expect(await reviewAll("(SELECT current_setting('app.tenant_id', true))::uuid", shadowing.slice(0, 3))).toEqual([
      expect.stringContaining('which does not compare "organization_id" with a setting'),
      expect.stringContaining('which does not compare "organization_id" with a setting'),
    ]);
    expect(
      await reviewAll("(SELECT current_setting('app.tenant_id', true))::pg_catalog.uuid", shadowing.slice(0, 3)),
    ).toEqual([]);
    expect(
      await reviewAll("(SELECT current_setting('app.tenant_id', true))::pg_catalog.uuid", [
        shadowing[0]!,
        shadowing[3]!,
      ]),
    ).toEqual([
      expect.stringContaining('which does not compare "organization_id" with a setting'),
      expect.stringContaining('which does not compare "organization_id" with a setting'),
    ]);
  });

  it("flags a helper function that reads the setting: the review does not judge the function's body", async () => {
    const helper =
      "CREATE FUNCTION app.current_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT current_setting('app.tenant_id', true)::uuid $$;";
    expect(await reviewAll("app.current_tenant()", [helper])).toEqual([
      expect.stringContaining('through USING ("organization_id" = app.current_tenant())'),
      expect.stringContaining('through WITH CHECK ("organization_id" = app.current_tenant())'),
    ]);
  });
});

describe("rls-policies-incomplete: casts that normalise the setting", () => {
  /** The text tenant table `ai_batch` whose one FOR ALL policy compares the tenant column with `<value>`. */
  const reviewText = async (value: string) =>
    (
      await review(
        [
          table,
          `CREATE POLICY "ai_batch_all" ON "ai_batch" FOR ALL TO "authenticated" USING ("organization_id" = ${value}) WITH CHECK ("organization_id" = ${value});`,
        ].join("--> statement-breakpoint\n"),
      )
    ).map((f) => f.message);

  it("flags a cast to an id type under another cast: tenant 007 would match tenant 7's rows, an upper-case uuid the lower-case one", async () => {
    for (const value of [
      "(SELECT current_setting('app.tenant_id', true))::int8::text",
      "(SELECT current_setting('app.tenant_id', true))::uuid::text",
      "(SELECT current_setting('app.tenant_id', true))::int4::varchar",
      "(SELECT current_setting('app.tenant_id', true)::bigint)::text",
    ]) {
      expect(await reviewText(value), value).toEqual([
        expect.stringContaining('which does not compare "organization_id" with a setting'),
        expect.stringContaining('which does not compare "organization_id" with a setting'),
      ]);
    }
  });

  it("passes text kept text under the outermost cast", async () => {
    expect(await reviewText("(SELECT current_setting('app.tenant_id', true))::varchar::text")).toEqual([]);
  });
});

describe("unconfinedExpressions: bare names the migrations may have given another schema's object", () => {
  beforeAll(loadParser);

  /** A FOR ALL policy for authenticated whose USING compares the tenant column with `<value>`. */
  const policy = (value: string): PolicyInfo => ({
    name: "note_all",
    command: "all",
    roles: ["authenticated"],
    usingIn: `CREATE POLICY "note_all" ON "note" FOR ALL TO "authenticated" USING ("organization_id" = ${value});`,
    origin: { file: "0001_note.sql", position: { line: 1, column: 1 } },
  });
  const setting = "(SELECT current_setting('app.tenant_id', true))";

  it("flags a cast to a bare type name that may be a domain of a schema found before pg_catalog (app.uuid, case-blind)", () => {
    const shadowed = (name: string) => name === "uuid";
    expect(unconfinedExpressions(policy(`${setting}::uuid`), "organization_id", shadowed)).toEqual([
      { clause: "USING", expression: `"organization_id" = ${setting}::uuid` },
    ]);
    expect(unconfinedExpressions(policy(`${setting}::uuid`), "organization_id")).toEqual([]);
  });

  it("passes pg_catalog's type written qualified, and a bare current_setting only while no other may take its name", () => {
    const shadowed = (name: string) => name === "uuid";
    expect(unconfinedExpressions(policy(`${setting}::pg_catalog.uuid`), "organization_id", shadowed)).toEqual([]);
    expect(unconfinedExpressions(policy(setting), "organization_id", (name) => name === "current_setting")).toEqual([
      { clause: "USING", expression: `"organization_id" = ${setting}` },
    ]);
  });
});
