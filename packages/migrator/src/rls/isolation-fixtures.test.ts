import { describe, expect, it } from "vitest";
import { createFixtureGenerator, IsolationFixtureError, rowStatements } from "./isolation-fixtures.ts";
import type { ColumnModel, TableModel } from "./table-model.ts";

const config = { schema: "app", tenantColumn: "org_id" };

function column(name: string, baseType: string, overrides: Partial<ColumnModel> = {}): ColumnModel {
  return {
    name,
    type: baseType,
    baseType,
    category: "S",
    typmod: -1,
    notNull: true,
    hasDefault: false,
    generated: false,
    enumLabels: [],
    ...overrides,
  };
}

function models(...tables: TableModel[]): Map<string, TableModel> {
  return new Map(tables.map((t) => [t.name, t]));
}

const org: TableModel = {
  name: "org",
  columns: [column("id", "text"), column("name", "varchar", { type: "character varying(8)", typmod: 12 })],
  primaryKey: ["id"],
  uniqueKeys: [["id"]],
  foreignKeys: [],
};
const person: TableModel = {
  name: "person",
  columns: [column("id", "uuid"), column("email", "text")],
  primaryKey: ["id"],
  uniqueKeys: [["id"], ["email"]],
  foreignKeys: [],
};
const doc: TableModel = {
  name: "doc",
  columns: [
    column("id", "text"),
    column("org_id", "text"),
    column("author_id", "uuid"),
    column("kind", "doc_kind", { category: "E", enumLabels: ["memo", "report"] }),
    column("tags", "_text", { type: "text[]", category: "A" }),
    column("embedding", "halfvec", { type: "halfvec(3)", typmod: 3 }),
    column("search", "tsvector", { generated: true }),
    column("status", "text", { hasDefault: true }),
    column("note", "text", { notNull: false }),
  ],
  primaryKey: ["id"],
  uniqueKeys: [["id"]],
  foreignKeys: [
    { name: "doc_org_fk", columns: ["org_id"], refTable: "org", refColumns: ["id"] },
    { name: "doc_author_fk", columns: ["author_id"], refTable: "person", refColumns: ["id"] },
  ],
};
const docDetail: TableModel = {
  name: "doc_detail",
  columns: [column("id", "text"), column("org_id", "text"), column("doc_id", "text")],
  primaryKey: ["id"],
  uniqueKeys: [["id"], ["doc_id"]],
  foreignKeys: [{ name: "detail_doc_fk", columns: ["doc_id"], refTable: "doc", refColumns: ["id"] }],
};

describe("createFixtureGenerator", () => {
  it("writes parents first: the tenant's organization with the tenant id, then a shared user", () => {
    const rows = createFixtureGenerator(models(org, person, doc), config).row("doc", "t1");
    expect(rows.map((r) => [r.table, r.tenant])).toEqual([
      ["org", null],
      ["person", null],
      ["doc", "t1"],
    ]);
    expect(rows[0]?.values.find((v) => v.column === "id")?.value).toBe("t1");
    const values = Object.fromEntries((rows[2]?.values ?? []).map((v) => [v.column, v.value]));
    expect(values).toMatchObject({ org_id: "t1", kind: "memo", tags: "{}", embedding: "[1,0,0]" });
    expect(values["author_id"]).toBe(rows[1]?.values.find((v) => v.column === "id")?.value);
    expect(Object.keys(values)).not.toContain("search");
    expect(Object.keys(values)).not.toContain("status");
    expect(Object.keys(values)).not.toContain("note");
  });

  it("fits a varchar(n) value in n characters", () => {
    const [row] = createFixtureGenerator(models(org), config).row("org", null);
    const name = row?.values.find((v) => v.column === "name")?.value ?? "";
    expect(name.length).toBeLessThanOrEqual(8);
  });

  it("remembers parents: a second row of the same tenant adds only itself, another tenant gets its own organization", () => {
    const generator = createFixtureGenerator(models(org, person, doc), config);
    generator.row("doc", "t1");
    expect(generator.row("doc", "t1").map((r) => r.table)).toEqual(["doc"]);
    expect(generator.row("doc", "t2").map((r) => r.table)).toEqual(["org", "doc"]);
  });

  it("gives a one-to-one child a fresh parent each time (the unique foreign key)", () => {
    const generator = createFixtureGenerator(models(org, person, doc, docDetail), config);
    generator.row("doc_detail", "t1");
    const second = generator.row("doc_detail", "t1");
    expect(second.map((r) => r.table)).toEqual(["doc", "doc_detail"]);
  });

  it("names the table and column of a type it has no value for", () => {
    const odd: TableModel = { ...org, name: "odd", columns: [column("id", "text"), column("shape", "polygon")] };
    expect(() => createFixtureGenerator(models(odd), config).row("odd", null)).toThrow(IsolationFixtureError);
    expect(() => createFixtureGenerator(models(odd), config).row("odd", null)).toThrow(
      /odd: column shape has type polygon/,
    );
  });

  it("refuses a cycle of required foreign keys", () => {
    const a: TableModel = {
      name: "a",
      columns: [column("id", "text"), column("b_id", "text")],
      primaryKey: ["id"],
      uniqueKeys: [],
      foreignKeys: [{ name: "a_b", columns: ["b_id"], refTable: "b", refColumns: ["id"] }],
    };
    const b: TableModel = {
      ...a,
      name: "b",
      columns: [column("id", "text"), column("a_id", "text")],
      foreignKeys: [{ name: "b_a", columns: ["a_id"], refTable: "a", refColumns: ["id"] }],
    };
    expect(() => createFixtureGenerator(models(a, b), config).row("a", null)).toThrow(/cycle/);
  });
});

describe("rowStatements", () => {
  it("casts every value from text to the column's type and selects by primary key", () => {
    const row = createFixtureGenerator(models(org, person, doc), config)
      .row("doc", "t1")
      .at(-1);
    if (!row) throw new Error("the generator returned no row");
    const s = rowStatements(row, config);
    expect(s.insert.text).toContain(
      `insert into "app"."doc" ("id", "org_id", "author_id", "kind", "tags", "embedding")`,
    );
    expect(s.insert.text).toContain("$6::text::halfvec(3)");
    expect(s.select.text).toBe(`select "org_id" as tenant from "app"."doc" where "id" = $1::text::text`);
    expect(s.moveTo("t2")).toEqual({
      text: `update "app"."doc" set "org_id" = $1 where "id" = $2::text::text returning 1`,
      params: ["t2", s.select.params[0]],
    });
  });
});
