/**
 * `db:revert`: the migration that takes the schema back to the state before one migration, written
 * at the end of the history like Drizzle Kit writes any migration, in the folder's own layout: 0.x's
 * `NNNN_<name>.sql`, `meta/NNNN_snapshot.json` (format 7) and a journal entry, or 1.0's
 * `<UTC time>_<name>/migration.sql` and `snapshot.json` (format 8, `prevIds: [last id]`). So the
 * history stays forward-only and `drizzle-kit generate` sees no drift once the TypeScript schema is
 * changed back too.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { loadParser, parseMigration, parseSql } from "../sql/parse-migration.ts";
import { namesInText } from "../sql/names-in-text.ts";
import { indexTables, type SqlTouches, sqlTouches } from "../sql/touched-objects.ts";
import { NO_TRANSACTION_DIRECTIVE, STATEMENT_BREAKPOINT } from "../sql/statements.ts";
import { concurrentReverse, type OutsideTransactionReason } from "./concurrent-indexes.ts";
import { acknowledgeFindings } from "./review-acknowledgements.ts";
import { ACCESS_CHANGE_MARKER, markAccessChanges } from "./access-changes.ts";
import { replayHistory } from "./replayed-history.ts";
import { keyConflicts } from "./key-references.ts";
import { guardedStatement } from "./guarded-statements.ts";
import { DATA_LOSS_MARKER, markDataLoss, markTodoLoss } from "./data-loss.ts";
import { type RevertStatement, type RevertTodo, reverseManualSql, todoBlock } from "./manual-sql.ts";
import { migrationTouches } from "../objects/migration-touches.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import { folderInvalidMessage, RunnerError } from "../errors/runner-error.ts";
import type { Journal, JournalEntry } from "../journal/journal-file.ts";
import {
  folderSnapshotWarnings,
  type Migration,
  type MigrationFolder,
  readMigrationFolder,
} from "../journal/migration-folder.ts";
import { findMigration } from "../journal/find-migration.ts";
import { nextTag } from "../journal/next-tag.ts";
import { diffSnapshots, recordsNoRename, SnapshotDiffError } from "../snapshot/snapshot-diff.ts";
import { type Snapshot, snapshotFileName, snapshotVersion } from "../snapshot/snapshot.ts";
import { type RevertConflict, RevertError } from "./revert-error.ts";
import { revertedTag, revertHeader } from "./revert-header.ts";
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
  /** The Drizzle Kit migrations folder, in either layout (0.x's journal or 1.0's folder per migration). */
  folder: string;
  /** The migration to revert: its tag (1.0: its folder name), its prefix or its idx. Default: the last one. */
  tag?: string;
  /** Name part of the new migration's tag (`NNNN_<name>`, 1.0: `<time>_<name>`). Default: `revert_<tag>`. */
  name?: string;
  /** The TypeScript schema folder, to point at the files to change back. */
  schemaFolder?: string;
  /** Clock for the journal's `when` or the 1.0 folder's time (tests). */
  now?: () => number;
}

/** A statement that loses data or changes who can read or write rows, with its line in the new file. */
export interface MarkedStatement {
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
    /** The folder's layout, which the new migration is written in. */
    layout: "journal" | "folders";
    /**
     * Its journal entry (0.x); for the 1.0 layout, which has no journal, the same facts: its
     * position, its time (`when`, from the folder name) and its tag (the folder name).
     */
    entry: JournalEntry;
    sqlPath: string;
    snapshotPath: string;
    /** The journal it is added to (0.x); for the 1.0 layout, the migrations folder. */
    journalPath: string;
    sql: string;
    snapshot: Snapshot;
  };
  /** The statements in the file, in order. */
  statements: RevertStatement[];
  /**
   * Whether the file runs outside a transaction (`-- migrator:no-transaction`): the revert builds or
   * drops an index CONCURRENTLY (the reverse of what the reverted migration did so, an index
   * Drizzle Kit writes CONCURRENTLY, or every index of a revert that only builds and drops indexes).
   */
  outsideTransaction: boolean;
  /** Why it runs outside a transaction, when it does. */
  outsideTransactionReason?: OutsideTransactionReason;
  dataLoss: MarkedStatement[];
  /**
   * The statements that change who can read or write rows (access-changes.ts), each marked
   * `-- db:revert access-change:` and never acknowledged for db:review: a person runs db:rls on a
   * database with the revert applied before deploying it.
   */
  accessChanges: MarkedStatement[];
  todos: RevertTodo[];
  /**
   * Hand-written statements that need no reverse, and why; and the statements of later migrations
   * the parser could not read, so not checked for conflicts (an opaque DO block …).
   */
  notes: string[];
  /** The later migrations checked for conflicts (empty when reverting the last one). */
  checkedLater: string[];
  /** The TypeScript schema changes the user still has to make. */
  schemaChanges: SchemaChange[];
  /** The journal after the new entry (0.x layout only). */
  journal?: Journal;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A migration whose snapshot db:revert can diff. */
type WithSnapshot = Migration & { snapshot: Snapshot };

/** The folder through the one reader; a refusal or an empty history becomes `history-unreadable`. */
function readHistory(folder: string): MigrationFolder {
  let history: MigrationFolder;
  try {
    history = readMigrationFolder(folder);
  } catch (error) {
    if (!(error instanceof MigratorError)) throw error;
    // The reader's refusal is worded for db:migrate ("nothing was applied"); db:revert applies nothing anyway.
    const message =
      error instanceof RunnerError && error.problem.kind === "folder-invalid"
        ? folderInvalidMessage(error.problem, "db:revert wrote nothing")
        : error.message;
    throw new RevertError("history-unreadable", message, { fix: error.fix });
  }
  if (history.migrations.length === 0) {
    throw new RevertError(
      "history-unreadable",
      `${history.journal ? `the journal ${history.journalPath}` : history.folder} has no migrations`,
      { fix: "there is nothing to revert" },
    );
  }
  return history;
}

/**
 * The migrations from `from` on, each with its snapshot in a format db:revert diffs (7 or 8, one
 * for the whole folder).
 */
function withSnapshots(history: MigrationFolder, from: number): WithSnapshot[] {
  const migrations = history.migrations;
  const missing = migrations.slice(from).filter((m) => !m.snapshot);
  if (missing.length > 0) {
    const reasons = new Map(
      folderSnapshotWarnings(history).flatMap((i) => (i.kind === "snapshot-malformed" ? [[i.tag, i.reason]] : [])),
    );
    const why = (m: Migration) => `${m.snapshotPath} (${reasons.get(m.tag) ?? "no such file"})`;
    throw new RevertError(
      "history-unreadable",
      `db:revert needs the snapshot of each migration from the one before the target on; missing or unreadable: ${missing.map(why).join(", ")}`,
      {
        fix: "restore the snapshots from git, or write the corrective migration by hand (change the schema back, then drizzle-kit generate)",
      },
    );
  }
  const found = migrations.slice(from) as WithSnapshot[];
  const versions = new Set<string>();
  for (const m of found) {
    try {
      versions.add(snapshotVersion(m.snapshot));
    } catch (error) {
      if (!(error instanceof SnapshotDiffError)) throw error;
      throw new RevertError("history-unreadable", `${m.snapshotPath}: ${error.message}`, { fix: error.fix });
    }
  }
  if (versions.size > 1) {
    throw new RevertError(
      "history-unreadable",
      `the snapshots from ${found[0]?.tag} on mix Drizzle Kit 0.x's format 7 and 1.0's format 8: ${found.map((m) => `${m.tag} ${snapshotVersion(m.snapshot)}`).join(", ")}`,
      { fix: "convert the whole folder with drizzle-kit up (db:upgrade-layout), or restore the snapshots from git" },
    );
  }
  return found;
}

function findTarget(history: MigrationFolder, tag: string | undefined): number {
  if (tag === undefined) return history.migrations.length - 1;
  return history.migrations.indexOf(findMigration(history, tag));
}

/**
 * Drizzle Kit's SQL between two snapshots, by the Drizzle Kit of their format (the folder's
 * project's); a rename it would ask about is a refusal naming the names.
 */
async function generated(
  folder: string,
  tag: string,
  from: Snapshot,
  to: Snapshot,
  noRenames: boolean,
): Promise<string[]> {
  try {
    return await diffSnapshots(from, to, { folder, noRenames });
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
 * The name of the object a label is of: the last part of its first quoted name (`table "s"."t"` →
 * `t`, `column "t"."c"` → `c`, `index "i" on "t"` → `i`, not the table it is on).
 */
function objectName(label: string): string | undefined {
  const first = /"(?:[^"]|"")*"(?:\."(?:[^"]|"")*")*/.exec(label)?.[0];
  return first && /"((?:[^"]|"")*)"$/.exec(first)?.[1]?.replaceAll('""', '"');
}

/** Whether `text` names the object of `label`. */
function namesIn(text: string, label: string): boolean {
  const name = objectName(label);
  return name !== undefined && namesInText(text, name);
}

/** The attribution of an overlap that no later migration's record shows. */
const SOME_LATER = "the later migrations";

/**
 * What stands in the way of reverting `target` alone. Snapshot-recorded objects are compared with
 * the net change since it (`net`: after TAG → now), so a later change that a later revert already
 * undid does not block; each overlap is attributed to the later migrations that touched it. So is
 * what the statements generated for that net change use and no snapshot records (`netGenerated`:
 * a default's `nextval('s')`, the tables a view selects from).
 * Hand-written statements are compared per later migration, by what the parser reads in them
 * (`handWrittenRead`: what each creates, alters, drops or only uses, such as the table a view
 * selects from or a foreign key references, the column an expression index names), so a later
 * revert of TAG itself, hand-written, blocks it too. A later statement the parser cannot read (a
 * `DO` block running `EXECUTE`, a statement of a kind it does not know) blocks it as well: what it
 * did is unknown, and the revert's `DROP … CASCADE` could take it away. So does a routine body it
 * can read only in part (`partlyRead`) whose text names a changed object, and a later migration
 * that drops or makes again an object TAG made (the net change cannot show it).
 */
function laterConflicts(
  target: TouchedObjects,
  net: TouchedObjects,
  netGenerated: TouchedObjects,
  later: {
    tag: string;
    recorded: TouchedObjects;
    handWritten: TouchedObjects;
    handWrittenRead: SqlTouches;
    generatedRead: TouchedObjects;
  }[],
): RevertConflict[] {
  const conflicts: RevertConflict[] = [];
  const seen = new Set<string>();
  const push = (conflict: RevertConflict) => {
    const key = `${conflict.migration}\u0000${conflict.touches}`;
    if (!seen.has(key)) conflicts.push(conflict);
    seen.add(key);
  };
  /** Each overlap with a net change, attributed to the later migrations whose `touchedBy` has it. */
  const attribute = (netChange: TouchedObjects, touchedBy: (l: (typeof later)[number]) => TouchedObjects) => {
    for (const { ours, theirs, how } of target.overlaps(netChange)) {
      const by = later
        .filter((l) => touchedBy(l).changed.has(theirs) || touchedBy(l).used.has(theirs))
        .map((l) => l.tag);
      for (const migration of by.length ? by : [SOME_LATER])
        push({ object: ours, migration, touches: `${how} ${theirs}` });
    }
  };
  attribute(net, (l) => l.recorded);
  attribute(netGenerated, (l) => l.generatedRead);
  for (const l of later) {
    for (const handWritten of [l.handWritten, l.handWrittenRead.touched]) {
      for (const { ours, theirs, how } of target.overlaps(handWritten))
        push({ object: ours, migration: l.tag, touches: `${how} ${theirs}` });
    }
    // Made again after a later drop: the net change hides it, and the revert would drop it again.
    for (const [ours, parent] of target.changed)
      if (parent === undefined && l.recorded.madeOrDropped.has(ours))
        push({ object: ours, migration: l.tag, touches: `drops or makes again ${ours}` });
    for (const body of l.handWrittenRead.partlyRead) {
      for (const [ours, parent] of target.changed) {
        if (!namesIn(body.text, ours) || (parent !== undefined && !namesIn(body.text, parent))) continue;
        const touches = `has a routine whose body names it and db:revert cannot read all of (${body.file}:${body.line}: ${body.reason})`;
        push({ object: ours, migration: l.tag, touches });
      }
    }
    for (const u of l.handWrittenRead.unread) {
      const touches = `has a statement db:revert cannot read (${u.file}:${u.line}: ${u.reason})`;
      push({ object: "what it changed", migration: l.tag, touches });
    }
  }
  // An overlap no single migration's record showed, but whose statement one of them wrote by hand, is that one's.
  const named = new Set(
    conflicts.filter((c) => c.migration !== SOME_LATER).map((c) => `${c.object}\u0000${c.touches}`),
  );
  return conflicts.filter((c) => c.migration !== SOME_LATER || !named.has(`${c.object}\u0000${c.touches}`));
}

function schemaChanges(touched: TouchedObjects, schemaFolder: string | undefined): SchemaChange[] {
  const groups = new Map<string, string[]>();
  for (const [label, parent] of touched.changed) {
    const top = parent ?? label;
    const whole = touched.changed.has(top);
    groups.set(top, [...(groups.get(top) ?? []), ...(parent && !whole ? [label] : [])]);
  }
  const names = [...groups.keys()].map((label) => objectName(label) ?? label);
  const found = schemaFolder ? findSchemaDefinitions(schemaFolder, names) : new Map<string, string[]>();
  return [...groups.entries()].map(([object, details]) => ({
    object,
    details,
    locations: found.get(objectName(object) ?? object) ?? [],
  }));
}

/** The file text: each statement with its comment lines, separated by Drizzle Kit's breakpoints. */
function renderSql(
  header: string[],
  statements: RevertStatement[],
  todos: RevertTodo[],
  notes: string[],
): { sql: string; dataLoss: MarkedStatement[]; accessChanges: MarkedStatement[] } {
  const chunks: string[] = [];
  const preamble = [...header, ...notes.map((n) => `-- db:revert: ${n}`)];
  // A TODO whose statement destroyed data gets the data-loss line above its block.
  const todoChunks = todos.map(
    (todo) => `${todo.dataLoss ? `${DATA_LOSS_MARKER} ${todo.dataLoss}\n` : ""}${todoBlock(todo)}`,
  );
  const dataLoss: MarkedStatement[] = [];
  const accessChanges: MarkedStatement[] = [];
  let line = 1;
  // Each chunk is followed by the breakpoint and a newline (the join), hence the + 1.
  const push = (chunk: string) => {
    chunks.push(chunk);
    line += chunk.split("\n").length;
  };
  for (const [i, todo] of todoChunks.entries()) {
    const lead = i === 0 ? `${preamble.join("\n")}\n` : "";
    const source = todos[i];
    // The line below its data-loss comment, as for a statement: the block's TODO line.
    if (source?.dataLoss)
      dataLoss.push({
        line: line + (i === 0 ? preamble.length : 0) + 1,
        message: source.dataLoss,
        statement: source.statement,
      });
    push(`${lead}${todo}`);
  }
  statements.forEach((statement, i) => {
    const comments = [...(i === 0 && todoChunks.length === 0 ? preamble : []), ...statement.comments];
    if (statement.dataLoss) comments.push(`${DATA_LOSS_MARKER} ${statement.dataLoss}`);
    if (statement.accessChange) comments.push(`${ACCESS_CHANGE_MARKER} ${statement.accessChange}`);
    const prefix = comments.length ? `${comments.join("\n")}\n` : "";
    const marked = (message: string) => ({ line: line + comments.length, message, statement: statement.sql.trim() });
    if (statement.dataLoss) dataLoss.push(marked(statement.dataLoss));
    if (statement.accessChange) accessChanges.push(marked(statement.accessChange));
    push(`${prefix}${statement.sql}`);
  });
  if (chunks.length === 0) push(`${preamble.join("\n")}\n`);
  return { sql: chunks.join(`${STATEMENT_BREAKPOINT}\n`), dataLoss, accessChanges };
}

/**
 * Works out the reverting migration without writing anything: the reverse statements from
 * Drizzle Kit's differ (snapshot after TAG → snapshot before it), the reverse of TAG's hand-written
 * SQL or TODO blocks, data-loss markers, the new snapshot and journal entry.
 *
 * Reverting an earlier migration is refused (`later-migration-conflict`) when a later migration
 * touches the same objects, or has a foreign key that checks against a unique key TAG made
 * (key-references.ts); a possible rename is refused (`ambiguous-rename`) since Drizzle Kit
 * would need to ask. An index TAG built or dropped CONCURRENTLY is dropped or built again
 * CONCURRENTLY, in a `-- migrator:no-transaction` file; when another statement of the revert
 * could not run outside a transaction, it is refused (`needs-transaction`, concurrent-indexes.ts).
 * So is every index of a revert that only builds and drops indexes, but for an index redefined
 * under its name or of a partitioned table, which keep the transaction. Every statement is
 * written with its guard (guarded-statements.ts), and each drop that loses no data with the
 * acknowledgement db:review takes (review-acknowledgements.ts), so the file passes db:review but
 * for its data loss and its changes of who can read or write rows (access-changes.ts), which a
 * person acknowledges.
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
  const migrations = withSnapshots(history, position - 1);
  try {
    return await planTarget(options, history, position, migrations);
  } catch (error) {
    if (error instanceof SnapshotDiffError && error.reason === "differ-failed")
      throw (await undiffableSnapshot(history.folder, migrations, error)) ?? error;
    throw error;
  }
}

/**
 * Refuses to revert `tag` again while a later migration is db:revert's reverse of it (its header
 * says so) and that reverse is not itself reverted later (a revert of the revert puts the changes
 * back, and they can be reverted again): what the conflict check sees of a reverse depends on what
 * the snapshots and the parser record, and a migration of grants or data would pass it.
 */
function refuseRevertedAgain(tag: string, later: readonly { tag: string; sql: string }[]): void {
  const reverses = later.map((m) => ({ tag: m.tag, of: revertedTag(m.sql) }));
  /** The first migration from `from` on that reverses `target` and is not reversed itself later. */
  const standingReverse = (target: string, from: number): string | undefined => {
    for (let i = from; i < reverses.length; i++) {
      const r = reverses[i];
      if (r?.of === target && standingReverse(r.tag, i + 1) === undefined) return r.tag;
    }
    return undefined;
  };
  const reverse = standingReverse(tag, 0);
  if (!reverse) return;
  throw new RevertError("already-reverted", `${tag} is reverted already, by ${reverse}`, {
    fix: `nothing to revert; to bring ${tag}'s changes back, revert ${reverse}, or make them again in the schema and run db:generate`,
  });
}

/**
 * When Drizzle Kit's differ fails on the snapshots (one edited or damaged by hand: a column's
 * `type` null, which its schema validation rejects), the snapshot it fails on alone, as
 * `history-unreadable` naming the file: each of `migrations` is diffed against itself, which
 * validates it the same way. Undefined when each alone passes.
 */
async function undiffableSnapshot(
  folder: string,
  migrations: WithSnapshot[],
  error: SnapshotDiffError,
): Promise<RevertError | undefined> {
  for (const m of migrations) {
    try {
      await diffSnapshots(m.snapshot, m.snapshot, { folder });
    } catch (alone) {
      if (!(alone instanceof SnapshotDiffError) || alone.reason !== "differ-failed") throw alone;
      return new RevertError(
        "history-unreadable",
        `${m.snapshotPath} (the snapshot of ${m.tag}) is not one Drizzle Kit's differ reads: ${differIssue(error)}`,
        {
          fix: `restore it from git (git log -- ${m.snapshotPath}, then git checkout <commit> -- ${m.snapshotPath}); db:revert diffs every snapshot from the one before the reverted migration on`,
        },
      );
    }
  }
  return undefined;
}

/** The first problem Drizzle Kit's schema validation reports (its message is a JSON list of issues), in one line. */
function differIssue(error: SnapshotDiffError): string {
  const text = error.message.replace(/^Drizzle Kit's differ failed: /, "");
  try {
    const issues = JSON.parse(text) as { path?: unknown[]; message?: string }[];
    const first = issues[0];
    if (first?.message) {
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
      return `${(first.path ?? []).join(".")}: ${first.message}${more}`;
    }
  } catch {
    // Not a validation error: its own first line.
  }
  return text.split("\n")[0] ?? text;
}

/** planRevert once the history is read and the target found: `migrations` starts at the one before it. */
async function planTarget(
  options: RevertOptions,
  history: MigrationFolder,
  position: number,
  migrations: WithSnapshot[],
): Promise<RevertPlan> {
  const target = migrations[1] as WithSnapshot;
  const last = migrations.at(-1) as WithSnapshot;
  const name = options.name ?? `revert_${target.tag}`;
  if (!NAME_PATTERN.test(name)) {
    throw new RevertError("invalid-name", `the name "${name}" is not usable in a migration file name`, {
      fix: "use letters, digits, _ and - only (e.g. --name undo-document-chunk)",
    });
  }
  refuseRevertedAgain(target.tag, history.migrations.slice(position + 1));
  const before = (migrations[0] as WithSnapshot).snapshot;
  const after = target.snapshot;
  const wasLast = position === history.migrations.length - 1;
  const earlier = history.migrations.slice(0, position);
  // The schema the revert runs on, as db:review's rules see it.
  const replayed = replayHistory(history.migrations);

  // Drizzle Kit 1.0 records the renames it was told of: none recorded, none to reverse.
  const noRenames = recordsNoRename(after);
  if (!noRenames) refuseAmbiguity(target.tag, renameAmbiguities(after, before));
  const { recorded: targetTouched, handWritten: targetHandWritten } = await migrationTouches(
    history.folder,
    before,
    target,
    earlier,
  );
  for (const [label, parent] of targetHandWritten.changed) targetTouched.add(label, parent);
  const checkedLater = migrations.slice(2).map((m) => m.tag);
  if (!wasLast) {
    const indexes = indexTables(history.migrations.map((m) => parseMigration(m.tag, basename(m.file), m.sql)));
    const later = [];
    for (let j = 2; j < migrations.length; j++) {
      const m = migrations[j] as WithSnapshot;
      later.push({
        tag: m.tag,
        ...(await migrationTouches(
          history.folder,
          (migrations[j - 1] as WithSnapshot).snapshot,
          m,
          history.migrations.slice(0, position - 1 + j),
          { indexes },
        )),
      });
    }
    // What the statements Drizzle Kit generates for the net change use that its snapshots do not
    // record (a default's nextval('s'), the tables a view selects from).
    const netStatements = renameAmbiguities(after, last.snapshot).length
      ? []
      : await diffSnapshots(after, last.snapshot, { folder: history.folder });
    const netGenerated = sqlTouches(
      parseMigration("net", "net", netStatements.join(`\n${STATEMENT_BREAKPOINT}\n`)),
      indexes,
      {
        dependents: true,
      },
    ).touched;
    const conflicts = [
      ...laterConflicts(targetTouched, touchedObjects(after, last.snapshot), netGenerated, later),
      ...keyConflicts(target, history.migrations.slice(position + 1), replayed),
    ];
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
  const reverse = await generated(history.folder, target.tag, from, goal, noRenames);
  // Drizzle Kit drops roles before the policies that use them; roles go last.
  const isRoleDrop = (sql: string) => parseSql(sql)[0]?.type === "DropRoleStmt";
  const roleDrops = reverse.filter(isRoleDrop);
  const otherStatements = reverse.filter((sql) => !isRoleDrop(sql));
  const removed = removedEnumValues(after, before);
  const manual = reverseManualSql({
    file: relative(history.folder, target.file),
    sql: target.sql,
    generated: await generated(history.folder, target.tag, before, after, noRenames),
    after: snapshotNames(after),
    before: snapshotNames(before),
    droppedTables: new Set(tablesOnlyIn(after, before)),
    earlierSql: earlier.map((m) => ({ file: relative(history.folder, m.file), sql: m.sql })),
  });
  const rewritten = concurrentReverse(
    { tag: target.tag, file: relative(history.folder, target.file), sql: target.sql },
    [
      ...manual.before,
      ...markDataLoss(otherStatements, removed),
      ...manual.after,
      ...roleDrops.map((sql) => ({
        sql,
        comments: [
          "-- db:revert: roles are cluster-wide; this fails while another database on the server still uses the role",
        ],
      })),
    ],
    { withTodos: manual.todos.length > 0, replayed },
  );
  const { outsideTransaction, reason: outsideTransactionReason } = rewritten;
  // Marked and guarded once what runs outside a transaction is decided on Drizzle Kit's own
  // statements: a guard's copy of a policy is no change of access.
  const marked = markAccessChanges(replayed, rewritten.statements, { inTransaction: !outsideTransaction });
  const statements = acknowledgeFindings(replayed, target.tag, marked.map(guardedStatement));

  const now = (options.now ?? Date.now)();
  const written = history.journal
    ? appendToJournal(history as MigrationFolder & { journal: Journal }, name, now, goal, last.snapshot)
    : appendFolder(history, name, now, goal, last.snapshot);
  const header = [
    // The runner reads the directive only on the first line.
    ...(outsideTransaction ? [NO_TRANSACTION_DIRECTIVE] : []),
    revertHeader(target.tag),
    `-- Written by db:revert: review it; data-loss and access-change lines and TODO blocks need a person. db:review`,
    `-- fails on each such statement it reports until that person writes "-- review-ignore <rule>: <why>" above it:`,
    `-- for data loss after a backup, for an access change once db:rls passes on a database with this migration applied.`,
  ];
  const todos = markTodoLoss(manual.todos);
  const { sql, dataLoss, accessChanges } = renderSql(header, statements, todos, manual.notes);
  refuseExisting({ ...written.migration, sql });

  return {
    reverted: { idx: target.idx, tag: target.tag },
    wasLast,
    migration: { ...written.migration, sql },
    statements,
    outsideTransaction,
    ...(outsideTransactionReason ? { outsideTransactionReason } : {}),
    dataLoss,
    accessChanges,
    todos,
    notes: manual.notes,
    checkedLater,
    schemaChanges: schemaChanges(targetTouched, options.schemaFolder),
    ...(written.journal ? { journal: written.journal } : {}),
  };
}

type Appended = { migration: Omit<RevertPlan["migration"], "sql">; journal?: Journal };

/** 0.x: `NNNN_<name>.sql`, `meta/NNNN_snapshot.json` (format 7, `prevId`) and a journal entry after the last. */
function appendToJournal(
  history: MigrationFolder & { journal: Journal },
  name: string,
  now: number,
  goal: Snapshot,
  last: Snapshot,
): Appended {
  const { idx, tag } = nextTag(history.journal, name, now);
  const entry: JournalEntry = {
    idx,
    version: history.journal.entries.at(-1)?.version ?? "7",
    when: Math.max(now, ...history.journal.entries.map((e) => e.when + 1)),
    tag,
    breakpoints: true,
  };
  const snapshot: Snapshot = {
    ...goal,
    id: randomUUID(),
    prevId: last.id,
    _meta: { columns: {}, schemas: {}, tables: {} },
  };
  return {
    migration: {
      layout: "journal",
      entry,
      sqlPath: join(history.folder, `${tag}.sql`),
      snapshotPath: join(history.folder, "meta", snapshotFileName(tag)),
      journalPath: history.journalPath,
      snapshot,
    },
    journal: { ...history.journal, entries: [...history.journal.entries, entry] },
  };
}

/**
 * 1.0: `<UTC time>_<name>/migration.sql` and `snapshot.json` (format 8, `prevIds: [last id]`). The
 * time is now, to the second, or a second after the last migration's when that is not earlier:
 * drizzle-orm 1.0 runs folders in name order, so the revert must sort last.
 */
function appendFolder(history: MigrationFolder, name: string, now: number, goal: Snapshot, last: Snapshot): Appended {
  const previous = history.migrations.at(-1);
  const when = Math.max(Math.floor(now / 1000) * 1000, (previous?.when ?? 0) + 1000);
  const tag = `${new Date(when).toISOString().replace(/\D/g, "").slice(0, 14)}_${name}`;
  const directory = join(history.folder, tag);
  const snapshot: Snapshot = {
    id: randomUUID(),
    prevIds: [last.id],
    version: goal["version"],
    dialect: goal["dialect"],
    ddl: goal["ddl"],
    renames: [],
  };
  return {
    migration: {
      layout: "folders",
      entry: { idx: history.migrations.length, version: String(goal["version"]), when, tag, breakpoints: true },
      sqlPath: join(directory, "migration.sql"),
      snapshotPath: join(directory, "snapshot.json"),
      journalPath: history.journalPath,
      snapshot,
    },
  };
}

/** The files and folder the new migration creates (not the journal, which it rewrites). */
function newPaths(migration: RevertPlan["migration"]): string[] {
  return migration.layout === "folders" ? [dirname(migration.sqlPath)] : [migration.sqlPath, migration.snapshotPath];
}

/**
 * Refuses when a file the new migration would be written to exists: a stray file the journal does
 * not list (someone's work), or the snapshot of a migration whose number the journal's idx lags.
 */
function refuseExisting(migration: RevertPlan["migration"]): void {
  const existing = newPaths(migration).filter((path) => existsSync(path));
  if (existing.length === 0) return;
  throw new RevertError(
    "revert-target-exists",
    `${existing.join(", ")} exist${existing.length === 1 ? "s" : ""} already: db:revert writes ${migration.entry.tag} there and never overwrites a file; nothing was written`,
    {
      fix: `move ${existing.length === 1 ? "it" : "them"} out of the migrations folder (or commit ${existing.length === 1 ? "it" : "them"} as a migration of the journal), or give the revert another name (--name)`,
    },
  );
}

/**
 * Writes the planned migration in the folder's layout: its SQL file and snapshot, and (0.x) the
 * journal with the new entry; (1.0) in a new folder. Refuses (`revert-target-exists`) when a file
 * or folder it would create exists. Each file is written aside and renamed into place, the journal
 * last; a failure removes what was written, leaving the folder as it was.
 */
export function writeRevert(plan: RevertPlan): void {
  const { layout, sqlPath, snapshotPath, sql, snapshot } = plan.migration;
  refuseExisting(plan.migration);
  const aside = (path: string) => `${path}.${process.pid}.db-revert-tmp`;
  if (layout === "folders") {
    const directory = dirname(sqlPath);
    const temporary = aside(directory);
    try {
      mkdirSync(temporary);
      writeFileSync(join(temporary, basename(sqlPath)), sql);
      // As Drizzle Kit 1.0 writes it: two-space JSON, no newline at the end.
      writeFileSync(join(temporary, basename(snapshotPath)), JSON.stringify(snapshot, null, 2));
      renameSync(temporary, directory);
    } catch (error) {
      rmSync(temporary, { recursive: true, force: true });
      throw error;
    }
    return;
  }
  const files: [string, string][] = [
    [sqlPath, sql],
    [snapshotPath, `${JSON.stringify(snapshot, null, 2)}\n`],
    [plan.migration.journalPath, JSON.stringify(plan.journal, null, 2)],
  ];
  const renamed: string[] = [];
  try {
    for (const [path, text] of files) writeFileSync(aside(path), text, { flag: "wx" });
    for (const [path] of files) {
      renameSync(aside(path), path);
      renamed.push(path);
    }
  } catch (error) {
    for (const [path] of files) rmSync(aside(path), { force: true });
    // The journal is renamed last: a failure before it leaves only the new files to remove.
    for (const path of renamed) if (path !== plan.migration.journalPath) rmSync(path, { force: true });
    throw error;
  }
}
