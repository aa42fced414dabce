import { beforeAll, describe, expect, it } from "vitest";
import { stringField } from "./ast.ts";
import { loadParser, parseSql } from "./parse-migration.ts";
import { queryColumns } from "./query-columns.ts";

beforeAll(loadParser);

/** The tables the queries below read: `document` and `tag`, by column name to a label of the column. */
const TABLES = new Map([
  [
    "document",
    new Map([
      ["id", "document.id"],
      ["organization_id", "document.organization_id"],
      ["body", "document.body"],
    ]),
  ],
  [
    "tag",
    new Map([
      ["id", "tag.id"],
      ["label", "tag.label"],
    ]),
  ],
]);

/** The result columns of a SELECT, as `name` or `name=label` for one read from a table. */
function columns(sql: string): string[] | undefined {
  const select = parseSql(sql)[0]?.node;
  return queryColumns(select, (relation) => TABLES.get(stringField(relation, "relname") ?? ""))?.map(
    ({ name, column }) => (column === undefined ? name : `${name}=${column}`),
  );
}

describe("queryColumns", () => {
  it("expands * and alias.* to the columns of the tables in FROM", () => {
    expect(columns('SELECT * FROM "document"')).toEqual([
      "id=document.id",
      "organization_id=document.organization_id",
      "body=document.body",
    ]);
    expect(columns('SELECT "t".*, "d"."id" FROM "document" "d" JOIN "tag" "t" ON true')).toEqual([
      "id=tag.id",
      "label=tag.label",
      "id=document.id",
    ]);
  });

  it("names an expression as PostgreSQL does: AS, a column's, a function's, a cast's argument's, ?column?", () => {
    expect(
      columns(
        'SELECT "organization_id"::text, count(*), 1, 1::int AS "n", (SELECT "label" FROM "tag" LIMIT 1), EXISTS (SELECT 1) FROM "document"',
      ),
    ).toEqual(["organization_id", "count", "?column?", "n", "label", "exists"]);
  });

  it("reads sub-selects, WITH queries and aliases' column lists", () => {
    expect(columns('SELECT * FROM (SELECT "id", "organization_id" FROM "document") "s" ("a")')).toEqual([
      "a=document.id",
      "organization_id=document.organization_id",
    ]);
    expect(columns('WITH "w" ("x") AS (SELECT "label" FROM "tag") SELECT * FROM "w"')).toEqual(["x=tag.label"]);
  });

  it("takes a set operation's names from its first branch, and names VALUES column1, column2", () => {
    expect(columns('SELECT "id", "body" FROM "document" UNION SELECT "id", "label" FROM "tag"')).toEqual([
      "id",
      "body",
    ]);
    expect(columns("VALUES (1, 'a')")).toEqual(["column1", "column2"]);
  });

  it("cannot read a * over a table it does not know or a function", () => {
    expect(columns('SELECT * FROM "report_view"')).toBeUndefined();
    expect(columns('SELECT * FROM "document", generate_series(1, 2)')).toBeUndefined();
    expect(columns('SELECT "document".* FROM "document", generate_series(1, 2)')).toEqual([
      "id=document.id",
      "organization_id=document.organization_id",
      "body=document.body",
    ]);
  });
});
