import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import * as schema from "../schema/index.ts";
import { MIGRATIONS_FOLDER } from "../testing/test-database.ts";

interface Journal {
  entries: { idx: number; tag: string }[];
}

function lastSnapshot() {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")) as Journal;
  const last = journal.entries.at(-1);
  if (!last) throw new Error("the journal has no entries");
  const file = `${MIGRATIONS_FOLDER}/meta/${String(last.idx).padStart(4, "0")}_snapshot.json`;
  return JSON.parse(readFileSync(file, "utf8"));
}

describe("schema and migrations", () => {
  it("agree: drizzle-kit generate would emit nothing", async () => {
    const current = generateDrizzleJson(schema);
    const statements = await generateMigration(lastSnapshot(), current);
    expect(statements).toEqual([]);
  });

  it("would notice a drift: a new column produces a statement", async () => {
    const { pgTable, text } = await import("drizzle-orm/pg-core");
    const extra = pgTable("drift_probe", { id: text("id").primaryKey() });
    const statements = await generateMigration(lastSnapshot(), generateDrizzleJson({ ...schema, extra }));
    expect(statements.join("\n")).toContain('CREATE TABLE "drift_probe"');
  });
});
