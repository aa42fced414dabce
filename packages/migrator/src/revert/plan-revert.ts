/**
 * `db:revert`: the migration that takes the schema back to the state before one migration, written
 * at the end of the history like Drizzle Kit writes any migration (SQL, snapshot, journal entry),
 * so the history stays forward-only and `drizzle-kit generate` sees no drift once the TypeScript
 * schema is changed back too.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { loadParser, parseSql } from "../sql/parse-migration.ts";
import { STATEMENT_BREAKPOINT } from "../sql/statements.ts";
import { DATA_LOSS_MARKER, markDataLoss } from "./data-loss.ts";
import { type RevertStatement, type RevertTodo, reverseManualSql, todoBlock } from "./manual-sql.ts";
import { migrationTouches } from "../objects/migration-touches.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import type { Journal, JournalEntry } from "../journal/journal-file.ts";
import { type Migration, type MigrationFolder, readMigrationFolder } from "../journal/migration-folder.ts";
import { findMigration } from "../journal/find-migration.ts";
import { nextTag } from "../journal/next-tag.ts";
import { diffSnapshots, SnapshotDiffError } from "../snapshot/snapshot-diff.ts";
import { type Snapshot, snapshotFileName } from "../snapshot/snapshot.ts";
import { type RevertConflict, RevertError } from "./revert-error.ts";
import { findSchemaDefinitions } from "./schema-locations.ts";
import {
  removedEnumValues,
  renameAmbiguities,
  snapshotNames,
  tablesOnlyIn,
  type TouchedObjects,
  touchedObjects,
  withChangesReverted,
} from "../snapshot/snapshot-objects.ts";

export interface RevertOptions {
  /** The Drizzle Kit migrations folder (with `meta/_journal.json`). */
  folder: string;
  /** The migration to revert: its tag, its `NNNN` prefix or its idx. Default: the last one. */
  tag?: string;
  /** Name part of the new migration's tag (`NNNN_<name>`). Default: `revert_<tag>`. */
  name?: string;
  /** The TypeScript schema folder, to point at the files to change back. */
  schemaFolder?: string;
  /** Clock for the journal's `when` (tests). */
  now?: () => number;
}

/** A statement that loses data, with its line in the new file. */
export interface DataLossItem {
  line: number;
  message: string;
  statement: string;
}

/** A table or enum the TypeScript schema must change back, and where it is defined. */
export interface SchemaChange {
  /** `table "plan_step"`, `type "document_source_table"`, `extension "vector"` … */
  object: string;
  /** What the reverted migration did to it (the objects inside it, or the object itself). */
  details: string[];
  /** `file:line` of its definition in the schema folder, when found. */
  locations: string[];
}

/** Everything `db:revert` will write, and what the user must know before committing it. */
export interface RevertPlan {
  /** The migration being reverted. */
  reverted: { idx: number; tag: string };
  /** Whether it was the last migration (the common case). */
  wasLast: boolean;
  /** The new migration: journal entry, file paths and contents. */
  migration: {
    entry: JournalEntry;
    sqlPath: string;
    snapshotPath: string;
    journalPath: string;
    sql: string;
    snapshot: Snapshot;
  };
  /** The statements in the file, in order. */
  statements: RevertStatement[];
  dataLoss: DataLossItem[];
  todos: RevertTodo[];
  /** Hand-written statements that need no reverse, and why. */
  notes: string[];
  /** The later migrations checked for conflicts (empty when reverting the last one). */
  checkedLater: string[];
  /** The TypeScript schema changes the user still has to make. */
  schemaChanges: SchemaChange[];
  /** The journal after the new entry. */
  journal: Journal;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A migration whose snapshot db:revert can diff. */
type WithSnapshot = Migration & { snapshot: Snapshot };

/** The folder through the one reader; a refusal or an empty journal becomes `history-unreadable`. */
function readHistory(folder: string): MigrationFolder & { journal: Journal } {
  let history: MigrationFolder;
  try {
    history = readMigrationFolder(folder);
  } catch (error) {
    if (!(error instanceof MigratorError)) throw error;
    throw new RevertError("history-unreadable", error.message, { fix: error.fix });
  }
  if (!history.journal) {
    throw new RevertError(
      "history-unreadable",
      `${history.folder} is in Drizzle Kit 1.0's layout, which db:revert does not write yet`,
      {
        fix: "change the TypeScript schema back and run drizzle-kit generate",
      },
    );
  }
  if (history.migrations.length === 0) {
    throw new RevertError("history-unreadable", `the journal ${history.journalPath} has no entries`, {
      fix: "there is nothing to revert",
    });
  }
  return { ...history, journal: history.journal };
}

/** The migrations from `from` on, each with its snapshot: db:revert diffs them. */
function withSnapshots(migrations: Migration[], from: number): WithSnapshot[] {
  const missing = migrations.slice(from).filter((m) => !m.snapshot);
  if (missing.length > 0) {
    throw new RevertError(
      "history-unreadable",
      `db:revert needs the snapshot of each migration from the one before the target on; missing or unreadable: ${missing.map((m) => m.snapshotPath).join(", ")}`,
      {
        fix: "restore the snapshots from git, or write the corrective migration by hand (change the schema back, then drizzle-kit generate)",
      },
    );
  }
  return migrations.slice(from) as WithSnapshot[];
}

function findTarget(history: MigrationFolder, tag: string | undefined): number {
  if (tag === undefined) return history.migrations.length - 1;
  return history.migrations.indexOf(findMigration(history, tag));
}

/** Drizzle Kit's SQL between two snapshots; a rename it would ask about is a refusal naming the names. */
async function generated(tag: string, from: Snapshot, to: Snapshot): Promise<string[]> {
  try {
    return await diffSnapshots(from, to);
  } catch (error) {
    if (error instanceof SnapshotDiffError && error.reason === "ambiguous-rename")
      refuseAmbiguity(tag, error.ambiguities);
    throw error;
  }
}

/**
 * Drizzle Kit's differ asks in a terminal whether a disappearing and an appearing name are a
 * rename, and throws without one. We check first and refuse with the names instead.
 */
function refuseAmbiguity(tag: string, ambiguities: string[]): void {
  if (ambiguities.length === 0) return;
  throw new RevertError(
    "ambiguous-rename",
    `cannot compute the reverse of ${tag} without asking: Drizzle Kit cannot tell a rename from a drop and a create (${ambiguities.join("; ")})`,
    {
      fix: "write this corrective migration by hand: change the TypeScript schema back and run drizzle-kit generate in a terminal, which asks about each rename",
      ambiguities,
    },
  );
}

/**
 * What stands in the way of reverting `target` alone. Snapshot-recorded objects are compared with
 * the net change since it (`net`: after TAG → now), so a later change that a later revert already
 * undid does not block; each overlap is attributed to the later migrations that touched it.
 * Hand-written objects (extensions, custom indexes) are compared per later migration.
 */
function laterConflicts(
  target: TouchedObjects,
  net: TouchedObjects,
  later: { tag: string; recorded: TouchedObjects; handWritten: TouchedObjects }[],
): RevertConflict[] {
  const conflicts: RevertConflict[] = [];
  const seen = new Set<string>();
  const push = (conflict: RevertConflict) => {
    const key = `${conflict.migration}\u0000${conflict.touches}`;
    if (!seen.has(key)) conflicts.push(conflict);
    seen.add(key);
  };
  for (const { ours, theirs, how } of target.overlaps(net)) {
    const by = later.filter((l) => l.recorded.changed.has(theirs) || l.recorded.used.has(theirs)).map((l) => l.tag);
    for (const migration of by.length ? by : ["the later migrations"])
      push({ object: ours, migration, touches: `${how} ${theirs}` });
  }
  for (const l of later) {
    for (const { ours, theirs, how } of target.overlaps(l.handWritten))
      push({ object: ours, migration: l.tag, touches: `${how} ${theirs}` });
  }
  return conflicts;
}

function schemaChanges(touched: TouchedObjects, schemaFolder: string | undefined): SchemaChange[] {
  const groups = new Map<string, string[]>();
  for (const [label, parent] of touched.changed) {
    const top = parent ?? label;
    const whole = touched.changed.has(top);
    groups.set(top, [...(groups.get(top) ?? []), ...(parent && !whole ? [label] : [])]);
  }
  const names = [...groups.keys()].map((label) => /"([^"]+)"$/.exec(label)?.[1] ?? label);
  const found = schemaFolder ? findSchemaDefinitions(schemaFolder, names) : new Map<string, string[]>();
  return [...groups.entries()].map(([object, details]) => ({
    object,
    details,
    locations: found.get(/"([^"]+)"$/.exec(object)?.[1] ?? object) ?? [],
  }));
}

/** The file text: each statement with its comment lines, separated by Drizzle Kit's breakpoints. */
function renderSql(
  header: string[],
  statements: RevertStatement[],
  todos: RevertTodo[],
  notes: string[],
): { sql: string; dataLoss: DataLossItem[] } {
  const chunks: string[] = [];
  const preamble = [...header, ...notes.map((n) => `-- db:revert: ${n}`)];
  const todoChunks = todos.map(todoBlock);
  const dataLoss: DataLossItem[] = [];
  let line = 1;
  // Each chunk is followed by the breakpoint and a newline (the join), hence the + 1.
  const push = (chunk: string) => {
    chunks.push(chunk);
    line += chunk.split("\n").length;
  };
  for (const [i, todo] of todoChunks.entries()) push(`${i === 0 ? `${preamble.join("\n")}\n` : ""}${todo}`);
  statements.forEach((statement, i) => {
    const comments = [...(i === 0 && todoChunks.length === 0 ? preamble : []), ...statement.comments];
    if (statement.dataLoss) comments.push(`${DATA_LOSS_MARKER} ${statement.dataLoss}`);
    const prefix = comments.length ? `${comments.join("\n")}\n` : "";
    if (statement.dataLoss)
      dataLoss.push({ line: line + comments.length, message: statement.dataLoss, statement: statement.sql.trim() });
    push(`${prefix}${statement.sql}`);
  });
  if (chunks.length === 0) push(`${preamble.join("\n")}\n`);
  return { sql: chunks.join(`${STATEMENT_BREAKPOINT}\n`), dataLoss };
}

/**
 * Works out the reverting migration without writing anything: the reverse statements from
 * Drizzle Kit's differ (snapshot after TAG → snapshot before it), the reverse of TAG's hand-written
 * SQL or TODO blocks, data-loss markers, the new snapshot and journal entry.
 *
 * Reverting an earlier migration is refused (`later-migration-conflict`) when a later migration
 * touches the same objects; a possible rename is refused (`ambiguous-rename`) since Drizzle Kit
 * would need to ask.
 *
 * @example
 * const plan = await planRevert({ folder: "src/migrations" }); // reverts the last migration
 * writeRevert(plan);
 */
export async function planRevert(options: RevertOptions): Promise<RevertPlan> {
  await loadParser();
  const history = readHistory(options.folder);
  const position = findTarget(history, options.tag);
  if (position === 0) {
    throw new RevertError(
      "first-migration",
      `${history.migrations[0]?.tag} is the first migration: there is no earlier schema to return to`,
      {
        fix: "to start over, drop the database and edit the history before anyone applied it",
      },
    );
  }
  const migrations = withSnapshots(history.migrations, position - 1);
  // From here on, `migrations` starts at the one before the target.
  const target = migrations[1] as WithSnapshot;
  const last = migrations.at(-1) as WithSnapshot;
  const name = options.name ?? `revert_${target.tag}`;
  if (!NAME_PATTERN.test(name)) {
    throw new RevertError("invalid-name", `the name "${name}" is not usable in a migration file name`, {
      fix: "use letters, digits, _ and - only (e.g. --name undo-document-chunk)",
    });
  }
  const before = (migrations[0] as WithSnapshot).snapshot;
  const after = target.snapshot;
  const wasLast = position === history.migrations.length - 1;
  const earlier = history.migrations.slice(0, position);

  refuseAmbiguity(target.tag, renameAmbiguities(after, before));
  const { recorded: targetTouched, handWritten: targetHandWritten } = await migrationTouches(before, target, earlier);
  for (const [label, parent] of targetHandWritten.changed) targetTouched.add(label, parent);
  const checkedLater = migrations.slice(2).map((m) => m.tag);
  if (!wasLast) {
    const later = [];
    for (let j = 2; j < migrations.length; j++) {
      const m = migrations[j] as WithSnapshot;
      later.push({
        tag: m.tag,
        ...(await migrationTouches(
          (migrations[j - 1] as WithSnapshot).snapshot,
          m,
          history.migrations.slice(0, position - 1 + j),
        )),
      });
    }
    const conflicts = laterConflicts(targetTouched, touchedObjects(after, last.snapshot), later);
    if (conflicts.length) {
      const names = [...new Set(conflicts.map((c) => c.migration))].sort();
      throw new RevertError(
        "later-migration-conflict",
        `cannot revert ${target.tag} alone: ${names.join(", ")} also touch${names.length === 1 ? "es" : ""} what it changed`,
        {
          fix: `revert the later migrations first (newest first: db:revert ${names.at(-1)}), or write a corrective migration by hand`,
          conflicts,
        },
      );
    }
  }

  // The state to return to: the snapshot before TAG, or (for an earlier TAG) the last snapshot
  // with TAG's changes taken out; the conflict check guarantees nothing later depends on them.
  const from = last.snapshot;
  const goal = wasLast ? before : withChangesReverted(last.snapshot, before, after);
  const reverse = await generated(target.tag, from, goal);
  // Drizzle Kit drops roles before the policies that use them; roles go last.
  const isRoleDrop = (sql: string) => parseSql(sql)[0]?.type === "DropRoleStmt";
  const roleDrops = reverse.filter(isRoleDrop);
  const otherStatements = reverse.filter((sql) => !isRoleDrop(sql));
  const removed = removedEnumValues(after, before);
  const manual = reverseManualSql({
    file: basename(target.file),
    sql: target.sql,
    generated: await generated(target.tag, before, after),
    after: snapshotNames(after),
    droppedTables: new Set(tablesOnlyIn(after, before)),
    earlierSql: earlier.map((m) => ({ file: basename(m.file), sql: m.sql })),
  });
  const statements: RevertStatement[] = [
    ...manual.before,
    ...markDataLoss(otherStatements, removed),
    ...manual.after,
    ...roleDrops.map((sql) => ({
      sql,
      comments: [
        "-- db:revert: roles are cluster-wide; this fails while another database on the server still uses the role",
      ],
    })),
  ];

  const now = (options.now ?? Date.now)();
  const { idx, tag } = nextTag(history.journal, name, now);
  const lastEntry = history.journal.entries.at(-1);
  const entry: JournalEntry = {
    idx,
    version: lastEntry?.version ?? "7",
    when: Math.max(now, ...history.journal.entries.map((e) => e.when + 1)),
    tag,
    breakpoints: true,
  };
  const snapshot: Snapshot = {
    ...goal,
    id: randomUUID(),
    prevId: last.snapshot.id,
    _meta: { columns: {}, schemas: {}, tables: {} },
  };
  const header = [
    `-- db:revert: reverses ${target.tag}, returning the schema to its state before it.`,
    `-- Written by db:revert: review it; data-loss lines and TODO blocks need a person.`,
  ];
  const { sql, dataLoss } = renderSql(header, statements, manual.todos, manual.notes);

  return {
    reverted: { idx: target.idx, tag: target.tag },
    wasLast,
    migration: {
      entry,
      sqlPath: join(options.folder, `${tag}.sql`),
      snapshotPath: join(options.folder, "meta", snapshotFileName(tag)),
      journalPath: history.journalPath,
      sql,
      snapshot,
    },
    statements,
    dataLoss,
    todos: manual.todos,
    notes: manual.notes,
    checkedLater,
    schemaChanges: schemaChanges(targetTouched, options.schemaFolder),
    journal: { ...history.journal, entries: [...history.journal.entries, entry] },
  };
}

/** Writes the planned migration: its SQL file, its snapshot, and the journal with the new entry. */
export function writeRevert(plan: RevertPlan): void {
  writeFileSync(plan.migration.sqlPath, plan.migration.sql);
  writeFileSync(plan.migration.snapshotPath, `${JSON.stringify(plan.migration.snapshot, null, 2)}\n`);
  writeFileSync(plan.migration.journalPath, JSON.stringify(plan.journal, null, 2));
}
