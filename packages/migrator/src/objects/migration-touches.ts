/**
 * What one migration touches, as db:revert and db:rebase both need it: the objects its snapshots
 * record (what Drizzle Kit generated), and the objects of its hand-written statements, which no
 * snapshot records (extensions, custom indexes, grants, views, foreign keys …).
 */
import { basename, relative } from "node:path";
import type { Migration } from "../journal/migration-folder.ts";
import { reverseManualSql } from "../revert/manual-sql.ts";
import { canonicalStatements, canonicalUnit } from "../sql/canonical-sql.ts";
import { parseMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { arrayField, nodeOf, stringField } from "../sql/ast.ts";
import { STATEMENT_BREAKPOINT } from "../sql/statements.ts";
import { type IndexTables, type SqlTouches, sqlTouches } from "../sql/touched-objects.ts";
import { diffSnapshots } from "../snapshot/snapshot-diff.ts";
import { renameAmbiguities, snapshotNames, TouchedObjects, touchedObjects } from "../snapshot/snapshot-objects.ts";
import type { Snapshot } from "../snapshot/snapshot.ts";

/** Whether a statement only validates constraints (`ALTER TABLE … VALIDATE CONSTRAINT …`). */
function validatesOnly(unit: SqlUnit): boolean {
  if (unit.type !== "AlterTableStmt") return false;
  const commands = arrayField(unit.node, "cmds").map((c) => stringField(nodeOf(c, "AlterTableCmd"), "subtype"));
  return commands.length > 0 && commands.every((subtype) => subtype === "AT_ValidateConstraint");
}

/** What a migration touched, by its snapshots (`recorded`) and by its hand-written statements. */
interface MigrationTouches {
  recorded: TouchedObjects;
  handWritten: TouchedObjects;
}

/** What the parser reads in a migration's statements, hand-written and generated. */
interface MigrationReads {
  handWrittenRead: SqlTouches;
  generatedRead: TouchedObjects;
}

/**
 * The objects a migration touched: `recorded` from the snapshot before it (`previous`) and its own,
 * `handWritten` from the statements Drizzle Kit would not have generated between them (by the
 * Drizzle Kit of `folder`'s project; locations relative to it): the objects db:revert can
 * reverse or leaves a TODO for. `earlier` are the migrations before it (an extension one of them
 * created is not this one's). With `read` (db:revert's later migrations) also what the parser
 * reads in the statements, with `read.indexes` naming the table of each index of the history:
 * `handWrittenRead` in the hand-written ones, every object each creates, alters, drops or only
 * uses (the table a view selects from or a foreign key references, the column an expression
 * index names), and the statements it cannot read; `generatedRead` the same of the generated ones
 * (what the snapshots do not say: a default's `nextval('s')`, the tables a view selects from).
 */
export async function migrationTouches(
  folder: string,
  previous: Snapshot,
  migration: Migration & { snapshot: Snapshot },
  earlier: Migration[],
): Promise<MigrationTouches>;
export async function migrationTouches(
  folder: string,
  previous: Snapshot,
  migration: Migration & { snapshot: Snapshot },
  earlier: Migration[],
  read: { indexes: IndexTables },
): Promise<MigrationTouches & MigrationReads>;
export async function migrationTouches(
  folder: string,
  previous: Snapshot,
  migration: Migration & { snapshot: Snapshot },
  earlier: Migration[],
  read?: { indexes: IndexTables },
): Promise<MigrationTouches | (MigrationTouches & MigrationReads)> {
  const recorded = touchedObjects(previous, migration.snapshot);
  const statements = renameAmbiguities(previous, migration.snapshot).length
    ? []
    : await diffSnapshots(previous, migration.snapshot, { folder });
  const parsed = parseMigration(migration.tag, basename(migration.file), migration.sql);
  // A later migration's VALIDATE CONSTRAINT changed no object: it was applied, and a revert that
  // drops the constraint leaves nothing of it behind (the NOT VALID / VALIDATE pairs of --fix).
  const kept = read
    ? parsed.statements.filter((s) => !s.units.length || !s.units.every(validatesOnly))
    : parsed.statements;
  const manual = reverseManualSql({
    file: relative(folder, migration.file),
    sql: kept === parsed.statements ? migration.sql : kept.map((s) => s.sql).join(`\n${STATEMENT_BREAKPOINT}\n`),
    generated: statements,
    after: snapshotNames(migration.snapshot),
    before: snapshotNames(previous),
    droppedTables: new Set(),
    earlierSql: earlier.map((m) => ({ file: relative(folder, m.file), sql: m.sql })),
  });
  const handWritten = new TouchedObjects();
  for (const t of manual.touched) handWritten.add(t.label, t.parent);
  if (!read) return { recorded, handWritten };
  const generated = new Set(statements.flatMap(canonicalStatements));
  /** What the parser reads in the generated statements, or in the others (with those it rejects). */
  const reads = (isGenerated: boolean) =>
    sqlTouches(
      {
        ...parsed,
        statements: kept
          .map((s) => ({ ...s, units: s.units.filter((u) => generated.has(canonicalUnit(u)) === isGenerated) }))
          .filter((s) => s.units.length > 0 || (!isGenerated && s.parseError)),
      },
      read.indexes,
      { dependents: true },
    );
  return { recorded, handWritten, handWrittenRead: reads(false), generatedRead: reads(true).touched };
}
