import { beforeAll, describe, expect, it } from "vitest";
import { findNodes, nameList } from "./ast.ts";
import { loadParser } from "./parse-migration.ts";
import { pgQuery } from "./pg-query.ts";

beforeAll(loadParser);

const tree = (sql: string): unknown => pgQuery().parseSync(sql).stmts;
const functionName = ({ body }: { body: Record<string, unknown> }) => nameList(body["funcname"]).join(".");

describe("findNodes: every node of a type below a value, as the rules and the runner's plan read a statement", () => {
  it("finds nested nodes in document order, each with the node types above it", () => {
    const found = findNodes(tree("CREATE TABLE t (a int DEFAULT f(g(1)), b int CHECK (h(b) > 0));"), "FuncCall");
    expect(found.map(functionName)).toEqual(["f", "g", "h"]);
    expect(found.map(({ ancestors }) => ancestors)).toEqual([
      ["CreateStmt", "ColumnDef", "Constraint"],
      ["CreateStmt", "ColumnDef", "Constraint", "FuncCall"],
      ["CreateStmt", "ColumnDef", "Constraint", "A_Expr"],
    ]);
  });

  it("starts the chain with the ancestors given, and leaves that array as it was", () => {
    const given = ["Outer"];
    const [first] = findNodes(tree("SELECT f();"), "FuncCall", given);
    expect(first?.ancestors).toEqual(["Outer", "SelectStmt", "ResTarget"]);
    expect(given).toEqual(["Outer"]);
  });

  it("gives each match a chain of its own, arguments of one call included: changing one changes no other", () => {
    const [, g, h] = findNodes(tree("SELECT f(g(), h());"), "FuncCall");
    g?.ancestors.push("changed");
    expect(h?.ancestors).toEqual(["SelectStmt", "ResTarget", "FuncCall"]);
  });

  it("finds nothing in a value that holds no node of the type, or no object at all", () => {
    expect(findNodes(tree("SELECT 1;"), "FuncCall")).toEqual([]);
    expect(findNodes("FuncCall", "FuncCall")).toEqual([]);
    expect(findNodes(null, "FuncCall")).toEqual([]);
  });
});
