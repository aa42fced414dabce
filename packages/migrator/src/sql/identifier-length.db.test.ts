/**
 * The names PostgreSQL makes to fit its 63-byte limit, checked against the engine of the test
 * project: the sequence of a serial column in a table it made, in a transaction rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../drivers/driver.ts";
import { openTestEngineDriver } from "../drivers/testing/test-engine-driver.ts";
import { withRollback } from "../testing/with-rollback.ts";
import { clipIdentifier, makeObjectName, MAX_IDENTIFIER_BYTES } from "./identifier-length.ts";
import { quoteIdent } from "./quote-ident.ts";

let driver: Driver;
beforeAll(async () => {
  driver = await openTestEngineDriver();
});
afterAll(async () => {
  await driver?.close();
});

/** The sequence PostgreSQL made for `CREATE TABLE "<table>" ("<column>" serial)`. */
async function serialSequence(tx: Driver, table: string, column: string): Promise<string | undefined> {
  await tx.exec(`CREATE TABLE ${quoteIdent(table)} (${quoteIdent(column)} serial)`);
  const [row] = await tx.query<{ name: string }>(
    `SELECT s.relname AS name FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      WHERE d.refobjid = $1::regclass`,
    [quoteIdent(clipIdentifier(table))],
  );
  return row?.name;
}

const a = (n: number) => "a".repeat(n);
const b = (n: number) => "b".repeat(n);

describe("makeObjectName names a serial column's sequence as PostgreSQL does", () => {
  it.each([
    ["short names", "note", "id"],
    ["a long table name", a(70), "id"],
    ["two long names of one length (the column's is cut first)", a(40), b(40)],
    ["a table of two-byte letters, cut to a letter's boundary", "é".repeat(40), a(30)],
    [
      "a column of two-byte letters, where cutting whole letters would keep a byte more of the table",
      a(33),
      "é".repeat(20),
    ],
    ["four-byte letters in both", "🦆".repeat(12), "🐘".repeat(10)],
    ["a table of three-byte letters, one byte short of a boundary", "語".repeat(20), "x"],
  ])("%s", async (_, table, column) => {
    const made = await withRollback(driver, (tx) => serialSequence(tx, table, column));
    const ours = makeObjectName(table, column, "seq");
    expect(ours).toBe(made);
    expect(Buffer.byteLength(ours)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
  });
});
