import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RLS_CONFIG } from "../project.ts";
import { schemaTables, schemaTenantTables } from "../schema-info.ts";
import { readMigrationFolder } from "@repo/migrator";
import { createTestDatabase, MIGRATIONS_FOLDER, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const tableNames = schemaTables().map((c) => c.name);
const tenantTableNames = schemaTenantTables();

async function rows<R>(sql: string, params: unknown[] = []): Promise<R[]> {
  return t.driver.query<R>(sql, params);
}

describe("the migrated catalog", () => {
  it("has exactly the tables the TypeScript schema defines", async () => {
    const tables = await rows<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public' order by 1",
    );
    expect(tables.map((r) => r.name).sort()).toEqual(tableNames);
  });

  it("records every migration of the journal in Drizzle's bookkeeping table", async () => {
    const [row] = await rows<{ count: number }>("select count(*)::int as count from drizzle.__drizzle_migrations");
    expect(row?.count).toBe(readMigrationFolder(MIGRATIONS_FOLDER).migrations.length);
  });

  it("has the vector extension, the HNSW and GIN indexes and the generated tsvector column", async () => {
    const ext = await rows("select 1 from pg_extension where extname = 'vector'");
    expect(ext).toHaveLength(1);
    const indexes = await rows<{ indexname: string; indexdef: string }>(
      "select indexname, indexdef from pg_indexes where tablename = 'document_chunk'",
    );
    const byName = Object.fromEntries(indexes.map((i) => [i.indexname, i.indexdef]));
    expect(byName["document_chunk_embedding_idx"]).toMatch(/USING hnsw \(embedding halfvec_ip_ops\)/);
    expect(byName["document_chunk_search_vector_idx"]).toMatch(/USING gin \(search_vector\)/);
    const [column] = await rows<{ is_generated: string; generation_expression: string; udt_name: string }>(
      `select is_generated, generation_expression, udt_name from information_schema.columns
        where table_name = 'document_chunk' and column_name = 'search_vector'`,
    );
    expect(column).toMatchObject({ is_generated: "ALWAYS", udt_name: "tsvector" });
    expect(column?.generation_expression).toContain("to_tsvector");
  });

  it("computes the generated column and finds a nearest neighbour through the vector type", async () => {
    await t.driver.exec(`insert into organization (id, name, slug) values ('org_cat', 'Cat', 'cat')`);
    const vec = `[${Array.from({ length: 1536 }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
    await t.driver.query(
      `insert into document_chunk (id, organization_id, source_table, source_id, chunk_index, content, embedding, embedding_model)
       values ('c1', 'org_cat', 'research_output', 'o1', 0, 'Vector databases index embeddings', $1, 'test')`,
      [vec],
    );
    const [hit] = await rows<{ id: string; score: number }>(
      `select id, (embedding <#> $1::halfvec) as score from document_chunk
        where search_vector @@ plainto_tsquery('english', 'embedding') order by 2 limit 1`,
      [vec],
    );
    expect(hit).toMatchObject({ id: "c1", score: -1 });
  });

  it("has the RLS roles, without BYPASSRLS or LOGIN", async () => {
    const roles = await rows<{ rolname: string; rolbypassrls: boolean; rolcanlogin: boolean }>(
      "select rolname, rolbypassrls, rolcanlogin from pg_roles where rolname in ('authenticated', 'anonymous') order by 1",
    );
    expect(roles).toEqual([
      { rolname: "anonymous", rolbypassrls: false, rolcanlogin: false },
      { rolname: "authenticated", rolbypassrls: false, rolcanlogin: false },
    ]);
  });

  it("grants authenticated the tables, read-only on the model registry and member, nothing on credentials", async () => {
    const grants = await rows<{ table_name: string; privileges: string }>(
      `select table_name, string_agg(privilege_type, ',' order by privilege_type) as privileges
         from information_schema.role_table_grants
        where grantee = 'authenticated' and table_schema = 'public' group by table_name`,
    );
    const byTable = Object.fromEntries(grants.map((g) => [g.table_name, g.privileges]));
    for (const table of ["research_plan", "document_chunk", "ai_usage", "mcp_tool_call_log"]) {
      expect(byTable[table], table).toBe("DELETE,INSERT,SELECT,UPDATE");
    }
    expect(byTable["member"]).toBe("SELECT");
    expect(byTable["ai_model"]).toBe("SELECT");
    expect(byTable["ai_model_pricing"]).toBe("SELECT");
    for (const table of ["session", "account", "verification"]) expect(byTable[table], table).toBeUndefined();
  });

  it("enables RLS with the four policies on every table that has organization_id (on a read-only one, select alone)", async () => {
    const tenantTables = await rows<{ table_name: string }>(
      `select table_name from information_schema.columns
        where table_schema = 'public' and column_name = 'organization_id' order by 1`,
    );
    expect(tenantTables.map((r) => r.table_name)).toEqual(tenantTableNames);
    expect(tenantTableNames).toContain("document_chunk");
    for (const { table_name: table } of tenantTables) {
      const [rls] = await rows<{ relrowsecurity: boolean }>(
        "select relrowsecurity from pg_class where oid = $1::regclass",
        [`public.${table}`],
      );
      expect(rls?.relrowsecurity, `${table} has RLS enabled`).toBe(true);
      const policies = await rows<{ policyname: string; cmd: string; roles: string }>(
        "select policyname, cmd, roles::text as roles from pg_policies where tablename = $1 order by cmd",
        [table],
      );
      const select = [`${table}_select`, "SELECT", "{authenticated}"];
      expect(
        policies.map((p) => [p.policyname, p.cmd, p.roles]),
        `${table} policies`,
      ).toEqual(
        RLS_CONFIG.readOnlyTenantTables?.includes(table)
          ? [select]
          : [
              [`${table}_delete`, "DELETE", "{authenticated}"],
              [`${table}_insert`, "INSERT", "{authenticated}"],
              select,
              [`${table}_update`, "UPDATE", "{authenticated}"],
            ],
      );
    }
  });
});
