/**
 * The snapshot model on both Drizzle Kit formats. `fixtures/note-v7.json` is a 0.x snapshot (two
 * tables, an enum, an index, a foreign key, a policy); `note-v8.json` is what Drizzle Kit
 * 1.0.0-rc.5-5935859's `up` made of it. Each change below is written into each format by hand, the
 * way that format records it, so the functions must find the same thing in both.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeFor } from "../cli/exit-codes.ts";
import { drizzleOrmOf, findDrizzleKit } from "./drizzle-kit-install.ts";
import { differInstalls, diffSnapshots, SnapshotDiffError } from "./snapshot-diff.ts";
import { snapshotEntities, withEntities } from "./snapshot-entities.ts";
import {
  removedEnumValues,
  renameAmbiguities,
  snapshotNames,
  tablesOnlyIn,
  touchedObjects,
  withChangesReverted,
} from "./snapshot-objects.ts";
import type { Snapshot } from "./snapshot.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (file: string): Snapshot => JSON.parse(readFileSync(new URL(`fixtures/${file}`, import.meta.url), "utf8"));
const v7 = () => read("note-v7.json");
const v8 = () => read("note-v8.json");

function ddl(snapshot: Snapshot): Json[] {
  return snapshot["ddl"] as Json[];
}

/** The same migration in each format: a column `note.title`, an enum value, a table `tag` pointing at `note`. */
const migration = {
  "7": (s: Snapshot): Snapshot => {
    const tables = s["tables"] as Json;
    tables["public.note"].columns.title = { name: "title", type: "text", primaryKey: false, notNull: true };
    (s["enums"] as Json)["public.note_kind"].values.push("archived");
    tables["public.tag"] = {
      name: "tag",
      schema: "",
      columns: { note_id: { name: "note_id", type: "text", primaryKey: false, notNull: true } },
      indexes: {},
      foreignKeys: {
        tag_note_id_note_id_fk: {
          name: "tag_note_id_note_id_fk",
          tableFrom: "tag",
          tableTo: "note",
          columnsFrom: ["note_id"],
          columnsTo: ["id"],
          onDelete: "cascade",
          onUpdate: "no action",
        },
      },
      compositePrimaryKeys: {},
      uniqueConstraints: {},
      policies: {},
      checkConstraints: {},
      isRLSEnabled: false,
    };
    return s;
  },
  "8": (s: Snapshot): Snapshot => {
    const column = { typeSchema: null, dimensions: 0, default: null, generated: null, identity: null };
    ddl(s).push(
      { ...column, type: "text", notNull: true, name: "title", schema: "public", table: "note", entityType: "columns" },
      { isRlsEnabled: false, name: "tag", schema: "public", entityType: "tables" },
      {
        ...column,
        type: "text",
        notNull: true,
        name: "note_id",
        schema: "public",
        table: "tag",
        entityType: "columns",
      },
      {
        nameExplicit: false,
        columns: ["note_id"],
        schemaTo: "public",
        tableTo: "note",
        columnsTo: ["id"],
        onUpdate: "NO ACTION",
        onDelete: "CASCADE",
        name: "tag_note_id_note_id_fk",
        schema: "public",
        table: "tag",
        entityType: "fks",
      },
    );
    ddl(s)
      .find((e) => e["entityType"] === "enums")
      ?.["values"].push("archived");
    return s;
  },
};

const formats = [
  ["7", v7],
  ["8", v8],
] as const;

describe("one view of both formats", () => {
  it("lists the same objects; 1.0 also records each primary key as a constraint of its own", () => {
    const names = (s: Snapshot) => snapshotEntities(s).map((e) => `${e.kind} ${e.schema}.${e.table ?? ""}.${e.name}`);
    expect(names(v8()).sort()).toEqual(
      [...names(v7()), "primary-key public.note.note_pkey", "primary-key public.person.person_pkey"].sort(),
    );
  });

  it.each(formats)("writes a format-%s snapshot back exactly as it was read", (_format, snapshot) => {
    const s = snapshot();
    expect(JSON.stringify(withEntities(s, snapshotEntities(s)))).toBe(JSON.stringify(s));
  });

  it("refuses format 9 and entity types it does not know, saying which snapshot", () => {
    const diff = { id: "d1", prevIds: ["b1"], version: "9", dialect: "postgres", type: "diff", deltas: [] };
    expect(() => snapshotEntities(diff)).toThrow(SnapshotDiffError);
    expect(() => snapshotEntities(diff)).toThrow(/snapshot d1 is Drizzle Kit's format 9 \(a diff snapshot/);
    const odd = { ...v8(), ddl: [{ entityType: "triggers", name: "t" }] };
    expect(() => snapshotEntities(odd)).toThrow(/ddl entry 0 has entityType "triggers"/);
  });
});

describe.each(formats)("what a migration changed, on format %s", (format, snapshot) => {
  const before = snapshot();
  const after = migration[format](snapshot());

  it("touches the new column, table and its constraint, the enum, and uses the column the key points at", () => {
    const touched = touchedObjects(before, after);
    expect([...touched.changed]).toEqual([
      ['column "note"."title"', 'table "note"'],
      ['table "tag"', undefined],
      ['column "tag"."note_id"', 'table "tag"'],
      ['constraint "tag_note_id_note_id_fk" on "tag"', 'table "tag"'],
      ['type "note_kind"', undefined],
    ]);
    expect([...touched.used]).toEqual([['column "note"."id"', 'table "note"']]);
  });

  it("names the dropped table, the enum value, and the objects by table", () => {
    expect(tablesOnlyIn(after, before)).toEqual(['"tag"']);
    expect(removedEnumValues(after, before)).toEqual([{ type: "note_kind", values: ["archived"] }]);
    const names = snapshotNames(after);
    expect([...names.tables]).toEqual(['"note"', '"person"', '"tag"']);
    expect([...(names.parts.get('"tag"') ?? [])]).toEqual(["note_id", "tag_note_id_note_id_fk"]);
    expect([...names.enums]).toEqual(["note_kind"]);
  });

  it("takes the migration back out, in the same format", () => {
    const reverted = withChangesReverted(after, before, after);
    expect(reverted).toEqual(before);
    expect(reverted["version"]).toBe(format);
  });
});

describe("rename prompts, as each version's differ asks them", () => {
  it("a renamed column: both ask", () => {
    const renamed7 = v7();
    const columns = (renamed7["tables"] as Json)["public.note"].columns;
    columns.writer_id = { ...columns.author_id, name: "writer_id" };
    delete columns.author_id;
    const renamed8 = v8();
    const column = ddl(renamed8).find((e) => e["name"] === "author_id");
    if (column) column["name"] = "writer_id";
    for (const [before, after] of [
      [v7(), renamed7],
      [v8(), renamed8],
    ])
      expect(renameAmbiguities(before as Snapshot, after as Snapshot)).toEqual([
        'columns of table "note": "author_id" would go and "writer_id" would come',
      ]);
  });

  it("a renamed index: only 1.0 asks", () => {
    const renamed7 = v7();
    const indexes = (renamed7["tables"] as Json)["public.note"].indexes;
    indexes.note_by_kind = { ...indexes.note_kind_idx, name: "note_by_kind" };
    delete indexes.note_kind_idx;
    const renamed8 = v8();
    const index = ddl(renamed8).find((e) => e["name"] === "note_kind_idx");
    if (index) index["name"] = "note_by_kind";
    expect(renameAmbiguities(v7(), renamed7)).toEqual([]);
    expect(renameAmbiguities(v8(), renamed8)).toEqual([
      'indexes of table "note": "note_kind_idx" would go and "note_by_kind" would come',
    ]);
  });
});

describe("diffSnapshots without the Drizzle Kit the format needs", () => {
  const TOOLKIT = fileURLToPath(new URL(".", import.meta.url));
  const RUN_BUILT = fileURLToPath(new URL("../../bin/run-built.mjs", import.meta.url));

  it("refuses 1.0 snapshots when only Drizzle Kit 0.x is installed, naming where it looked and what it found", async () => {
    const folder = mkdtempSync(join(tmpdir(), "no-drizzle-kit-"));
    try {
      const error = await diffSnapshots(v8(), migration["8"](v8()), { folder }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SnapshotDiffError);
      expect((error as SnapshotDiffError).code).toBe("differ-missing");
      expect((error as SnapshotDiffError).message).toContain(`the migrations folder's project (${folder}): none`);
      expect((error as SnapshotDiffError).message).toMatch(/the toolkit \([^)]*\): drizzle-kit 0\.\d+\.\d+/);
      expect((error as SnapshotDiffError).fix).toMatch(/install the drizzle-kit 1\.0 that wrote the snapshots/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("names a Drizzle Kit that does not load, what it found and how to fix it, instead of crashing", async () => {
    // A project with drizzle-kit installed but no drizzle-orm where it looks (drizzle-kit imports it
    // without declaring it): the toolkit's own drizzle-kit, copied, with its declared dependencies.
    // Run as a command runs, in a process of its own: the test runner's NODE_PATH would find one.
    const project = mkdtempSync(join(tmpdir(), "kit-without-orm-"));
    try {
      const kit = findDrizzleKit(TOOLKIT);
      if (!kit) throw new Error("the toolkit has no drizzle-kit");
      const modules = join(project, "node_modules");
      cpSync(kit.dir, join(modules, "drizzle-kit"), { recursive: true });
      const declared = JSON.parse(readFileSync(join(kit.dir, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      };
      for (const name of Object.keys(declared.dependencies)) {
        mkdirSync(dirname(join(modules, name)), { recursive: true });
        symlinkSync(join(kit.dir, "..", name), join(modules, name));
      }
      writeFileSync(join(project, "previous.json"), JSON.stringify(v7()));
      writeFileSync(join(project, "current.json"), JSON.stringify(migration["7"](v7())));
      writeFileSync(
        join(project, "diff.ts"),
        `import { readFileSync } from "node:fs";
import { diffSnapshots } from ${JSON.stringify(join(TOOLKIT, "snapshot-diff.ts"))};
const [previous, current] = ["previous.json", "current.json"].map((f) => JSON.parse(readFileSync(f, "utf8")));
await diffSnapshots(previous, current, { folder: process.cwd() }).then(
  () => console.log("{}"),
  (e) => console.log(JSON.stringify({ code: e.code, message: e.message, fix: e.fix })),
);
`,
      );
      const { NODE_PATH: _, ...env } = process.env;
      const diff = () =>
        JSON.parse(execFileSync(process.execPath, [RUN_BUILT, "diff.ts"], { cwd: project, env, encoding: "utf8" })) as {
          code?: string;
          message?: string;
          fix?: string;
        };
      const error = diff();
      expect(error.code).toBe("differ-unloadable");
      expect(error.message).toContain(
        `drizzle-kit ${kit.version} (${realpathSync(join(modules, "drizzle-kit"))}) does not load: `,
      );
      expect(error.message).toMatch(/Cannot find module 'drizzle-orm.*; it finds no drizzle-orm$/s);
      expect(error.fix).toContain('packageExtensions: { "drizzle-kit@0": { peerDependencies: { drizzle-orm: "0" } } }');
      expect(exitCodeFor(new SnapshotDiffError(error.message ?? "", "differ-unloadable"))).toBe(EXIT.invalidInput);
      // Fixed by installing drizzle-orm where the kit finds it: the differ's input key changes with
      // it (so the review cache does not keep the failure), and the kit loads.
      const broken = differInstalls({ folder: project });
      const orm = drizzleOrmOf(kit);
      if (!orm) throw new Error("the toolkit's drizzle-kit finds no drizzle-orm");
      symlinkSync(orm.dir, join(modules, "drizzle-orm"));
      expect(differInstalls({ folder: project })).not.toBe(broken);
      expect(differInstalls({ folder: project })).toContain(`"orm":{"dir":"${join(modules, "drizzle-orm")}"`);
      expect(diff()).toEqual({});
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("diffs 0.x snapshots with the toolkit's Drizzle Kit 0.x", async () => {
    expect(await diffSnapshots(v7(), migration["7"](v7()))).toContain(
      'ALTER TABLE "note" ADD COLUMN "title" text NOT NULL;',
    );
  });

  it("gives a pair diffed again the same statements, whatever an earlier caller did to its copy, and another pair its own", async () => {
    const [previous, current] = [v7(), migration["7"](v7())];
    const expected = [...(await diffSnapshots(previous, current))];
    for (let call = 0; call < 2; call++) {
      const again = await diffSnapshots(structuredClone(previous), structuredClone(current));
      expect(again).toEqual(expected);
      again.splice(0, again.length, "DROP TABLE everything;");
    }
    expect(await diffSnapshots(current, previous)).toContain('ALTER TABLE "note" DROP COLUMN "title";');
  });

  it("diffs a snapshot built in code that JSON cannot hold (a BigInt), as Drizzle Kit would", async () => {
    const [previous, current] = [v7(), { ...migration["7"](v7()), builtInCode: 1n }];
    expect(await diffSnapshots(previous, current)).toContain('ALTER TABLE "note" ADD COLUMN "title" text NOT NULL;');
  });
});
