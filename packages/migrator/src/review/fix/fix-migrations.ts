/**
 * `db:review --fix`: writes the mechanical safe form of the migrations that were never committed
 * (a committed migration may be applied somewhere, so it is never rewritten: forward-only).
 *
 * - An index built on a table that existed before the migration, or CONCURRENTLY inside the
 *   runner's transaction, moves to a new migration right after it that runs outside a transaction
 *   (`-- migrator:no-transaction`), as `CREATE INDEX CONCURRENTLY IF NOT EXISTS`. An index the
 *   migration drops first and so redefines is swapped online instead (index-swap.ts).
 * - `VALIDATE CONSTRAINT` after its `ADD … NOT VALID` in the same migration moves to that new
 *   migration; a foreign key or check added to an existing table without NOT VALID gets NOT VALID
 *   and its VALIDATE there.
 * - A statement guards.ts finds unguarded in a migration that must be re-runnable gets IF NOT
 *   EXISTS / IF EXISTS / OR REPLACE, or a DO block catching the duplicate.
 *
 * Everything else is left as it is and reported. The new texts are parsed before anything is
 * written.
 */
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { MigratorError } from "../../errors/migrator-error.ts";
import { findMigration } from "../../journal/find-migration.ts";
import type { JournalEntry } from "../../journal/journal-file.ts";
import { nextTag } from "../../journal/next-tag.ts";
import { type Migration, readMigrationFolder } from "../../journal/migration-folder.ts";
import { nodeOf, objectField, relationName, stringField } from "../../sql/ast.ts";
import {
  loadParser,
  type ParsedMigration,
  parseMigration,
  type ReviewStatement,
  type SqlUnit,
} from "../../sql/parse-migration.ts";
import { quoteIdent } from "../../sql/quote-ident.ts";
import { NO_TRANSACTION_DIRECTIVE, STATEMENT_BREAKPOINT } from "../../sql/statements.ts";
import { type Snapshot, snapshotFileName } from "../../snapshot/snapshot.ts";
import { mustBeRerunnable, type ReviewConfig } from "../config.ts";
import { concurrentStatement } from "../rules/concurrent-index-in-transaction.ts";
import { alterCommands } from "../rules/statement-parts.ts";
import { notValidAddition } from "../rules/validate-in-same-migration.ts";
import { tableName } from "../object-names.ts";
import { setsSearchPathIn } from "../../revert/earlier-objects.ts";
import { retargetRevertHeader } from "../../revert/revert-header.ts";
import { SchemaState } from "../schema-state.ts";
import { committedFiles } from "./committed-files.ts";
import { type IndexSwap, indexSwap, redefinitions } from "./index-swap.ts";
import { mentions } from "./mentions.ts";
import { needsIndexInPlace } from "./needs-index-in-place.ts";
import {
  applyInsertions,
  codeEnd,
  concurrentIndexInsertions,
  guardFix,
  type Insertion,
  wrapInDoBlock,
} from "./statement-fixes.ts";

export interface FixOptions {
  /** The migrations folder. */
  folder: string;
  /** Fix only these (each must be uncommitted); default: every uncommitted migration. */
  tags?: readonly string[];
  config: ReviewConfig;
  /** Clock for a timestamp-numbered folder's new tags (tests). */
  now?: () => number;
}

/** What `--fix` did. */
export interface FixReport {
  /** One line per change, naming the file and line. */
  changes: string[];
  /** What it left for a person, and why. */
  left: string[];
  /** The tags of the migrations it wrote (rewritten and new), after renumbering. */
  written: string[];
  /** The migrations it changed or renumbered, by their tags before the fix. */
  rewritten: string[];
  /** The tags of every uncommitted migration after the fix. */
  uncommitted: string[];
}

/** A file-offset replacement. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

/** One migration's planned fix. */
interface MigrationPlan {
  migration: Migration;
  parsed: ParsedMigration;
  edits: Edit[];
  /** Statement indexes moved to the follow-up. */
  moved: Set<number>;
  /** Statements the follow-up gets besides the moved ones (VALIDATE). */
  validations: string[];
  /** Statements the follow-up gets right after a moved one (the DROP of a swapped index's old definition), by its position. */
  followers: Map<number, string>;
  /** Whether the follow-up must run outside a transaction. */
  outsideTransaction: boolean;
  /** Whether a VALIDATE CONSTRAINT moves to the follow-up. */
  validateMoved: boolean;
  changes: string[];
}

/** The first millisecond of the second after `when`'s (Drizzle Kit 1.0 names folders by the second). */
const nextSecond = (when: number) => (Math.floor(when / 1000) + 1) * 1000;

/**
 * Fixes the uncommitted migrations of a folder (see the module comment). Throws a `MigratorError`
 * (`fix-refused`) for a committed TAG or a folder outside git, before writing anything.
 */
export async function fixMigrations(options: FixOptions): Promise<FixReport> {
  await loadParser();
  const folder = readMigrationFolder(options.folder);
  const committed = committedFiles(folder.folder);
  const isCommitted = (m: Migration) => committed.has(basename(m.file));
  const lastCommitted = folder.migrations.findLastIndex(isCommitted);
  const left: string[] = [];
  for (const m of folder.migrations.slice(0, lastCommitted + 1).filter((m) => !isCommitted(m))) {
    left.push(
      `${m.tag}: not committed, but older than the committed ${folder.migrations[lastCommitted]?.tag}: not touched`,
    );
  }
  const fresh = folder.migrations.slice(lastCommitted + 1);
  const wanted = options.tags?.length ? options.tags.map((tag) => findMigration(folder, tag)) : fresh;
  for (const m of wanted) {
    if (!fresh.includes(m)) {
      throw new MigratorError(
        "fix-refused",
        `${m.tag} is committed (or older than a committed migration): it may already be applied somewhere, and --fix never rewrites such a migration`,
        "leave it as it is and write the change as a new migration (forward-only)",
      );
    }
  }

  const plans: MigrationPlan[] = [];
  const state = new SchemaState();
  /** Every statement of the migrations before the one planned. */
  const history: SqlUnit[] = [];
  for (const migration of folder.migrations) {
    // Calls followed as the review follows them, into the earlier migrations' routines too: the
    // schema replayed is the one its rules saw.
    const parsed = parseMigration(migration.tag, migration.file, migration.sql, {
      followCalls: true,
      earlierRoutines: state.routinesByName(),
      earlierPrepared: state.preparedQueries(),
    });
    const before = state.clone();
    if (wanted.includes(migration)) {
      const plan = planMigration(migration, parsed, { state: before, history }, options.config, left);
      if (plan.edits.length > 0 || plan.moved.size > 0) plans.push(plan);
    }
    for (const statement of parsed.statements) {
      for (const unit of statement.units) {
        state.apply(unit, { file: parsed.file, position: parsed.positionAt(unit.offset) });
        history.push(unit);
      }
    }
  }
  if (plans.length === 0)
    return { changes: [], left, written: [], rewritten: [], uncommitted: fresh.map((m) => m.tag) };
  return { ...writePlans(folder, fresh, plans, options.now ?? Date.now), left };
}

/** The end of a unit's statement in the file, past the `;` that closes it. */
function statementEnd(text: string, unit: SqlUnit): number {
  let end = unit.offset + unit.text.length;
  let probe = end;
  while (probe < text.length && /\s/.test(text[probe] ?? "")) probe++;
  if (text[probe] === ";") end = probe + 1;
  return end;
}

/**
 * A constraint this single-command ALTER TABLE adds that NOT VALID would make online, with its
 * VALIDATE: on a table the migration found in place (`state`: the schema right before the statement).
 */
function notValidCandidate(
  unit: SqlUnit,
  state: SchemaState,
  file: string,
): { validate: string; name: string; partitionedForeignKey: boolean } | undefined {
  const commands = alterCommands(unit);
  const [only] = commands;
  if (commands.length !== 1 || only?.subtype !== "AT_AddConstraint" || !state.existedBefore(only.table, file))
    return undefined;
  const constraint = nodeOf(only.command["def"], "Constraint");
  const type = stringField(constraint, "contype");
  const name = stringField(constraint, "conname");
  if (!name || constraint?.["skip_validation"] === true) return undefined;
  if (type !== "CONSTR_FOREIGN" && type !== "CONSTR_CHECK") return undefined;
  const relation = objectField(unit.node, "relation");
  const schema = stringField(relation, "schemaname");
  const table = `${schema ? `${quoteIdent(schema)}.` : ""}${quoteIdent(relationName(relation) ?? "")}`;
  return {
    name,
    validate: `ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(name)};`,
    partitionedForeignKey: type === "CONSTR_FOREIGN" && state.isPartitioned(only.table),
  };
}

/**
 * Whether a CREATE INDEX alone in its piece moves to the follow-up: on a table the migration found
 * in place (`state`: the schema right before it), or CONCURRENTLY; `{ left }` says why one stays.
 * Undefined: it stays and nothing is reported (its table is new).
 */
function indexMove(
  statement: ReviewStatement,
  later: readonly ReviewStatement[],
  state: SchemaState,
  file: string,
  where: (statement: ReviewStatement) => string,
): { name: string } | { left: string } | undefined {
  const [top] = statement.units;
  if (!top) return undefined;
  const table = tableName(objectField(top.node, "relation"));
  const name = stringField(top.node, "idxname") ?? "";
  if (top.node["concurrent"] !== true && !state.existedBefore(table, file)) return undefined;
  const unique = top.node["unique"] === true;
  const usedBy = later.find((s) => s.units.some((u) => mentions(u.node, name) || needsIndexInPlace(u, table, unique)));
  if (state.isPartitioned(table))
    return {
      left: `index "${name}" is on a partitioned table, where PostgreSQL refuses CREATE INDEX CONCURRENTLY: build it CONCURRENTLY on each partition, then CREATE INDEX … ON ONLY the parent and ATTACH each (by hand)`,
    };
  if (name === "")
    return {
      left: "an index without a name cannot be moved (PostgreSQL takes IF NOT EXISTS only with a name, and a retried build needs one): name it",
    };
  if (usedBy)
    return { left: `index "${name}": ${where(usedBy)}, later in the same migration, uses it or its table: not moved` };
  return { name };
}

/** The schema right before each statement at these positions of the migration (`before`: at its start). */
function statesBefore(
  before: SchemaState,
  parsed: ParsedMigration,
  positions: ReadonlySet<number>,
): Map<number, SchemaState> {
  const states = new Map<number, SchemaState>();
  if (positions.size === 0) return states;
  const state = before.clone();
  parsed.statements.forEach((statement, position) => {
    if (positions.has(position)) states.set(position, state.clone());
    for (const unit of statement.units) {
      state.apply(unit, { file: parsed.file, position: parsed.positionAt(unit.offset) });
    }
  });
  return states;
}

/**
 * What a migration's plan is made with: the names and tables as the migration finds them, and every
 * statement run before it.
 */
interface Before {
  state: SchemaState;
  history: readonly SqlUnit[];
}

function planMigration(
  migration: Migration,
  parsed: ParsedMigration,
  { state: before, history }: Before,
  config: ReviewConfig,
  left: string[],
): MigrationPlan {
  const plan: MigrationPlan = {
    migration,
    parsed,
    edits: [],
    moved: new Set(),
    validations: [],
    followers: new Map(),
    outsideTransaction: false,
    validateMoved: false,
    changes: [],
  };
  const where = (statement: ReviewStatement) => `${basename(migration.file)}:${statement.position.line}`;
  /** Where a statement of a piece begins (a piece may hold several, without breakpoints between). */
  const at = (unit: SqlUnit) => `${basename(migration.file)}:${parsed.positionAt(unit.offset).line}`;
  const guarded = mustBeRerunnable(migration.tag, config.guardBaseline) || parsed.noTransaction;
  const statements = parsed.statements;
  /** The redefined indexes' swaps, by the DROP's position. */
  const swaps = new Map<number, IndexSwap>();
  /** A redefined index's CREATE that stays (with why), and its DROP: moved alone, the build leaves a gap. */
  const keptCreates = new Map<number, { left: string }>();
  const keptDrops = new Set<number>();
  // The follow-up runs in a session of its own (the runner resets it after each migration): a
  // statement moved there would lose the migration's search_path, and find another schema's table.
  const searchPath = statements.find((statement) => statement.units.some(setsSearchPathIn));
  const pinned =
    searchPath &&
    `${where(searchPath)} sets search_path, which a statement moved to a new migration would run without (finding another schema's objects, or none)`;
  const pairs = parsed.noTransaction || pinned ? [] : redefinitions(statements);
  const states = statesBefore(before, parsed, new Set(pairs.flatMap((pair) => [pair.drop, pair.create])));
  /** The swaps planned so far: the old index's name meanwhile, and its name. */
  const planned = new Map<string, string>();
  for (const pair of pairs) {
    const create = statements[pair.create]!;
    const decision = indexMove(create, statements.slice(pair.create + 1), states.get(pair.create)!, parsed.file, where);
    if (!decision || "left" in decision) continue;
    const earlier = [...history, ...statements.slice(0, pair.drop).flatMap((s) => s.units)];
    const swap = indexSwap(pair, { statements, state: states.get(pair.drop)!, earlier, planned, where });
    if ("refused" in swap) {
      const drop = statements[pair.drop]!;
      keptCreates.set(pair.create, {
        left: `index "${decision.name}" is dropped at ${where(drop)} and built again here: not moved, since ${swap.refused}; moved alone, its build would leave the table without the index until the new migration`,
      });
      keptDrops.add(pair.drop);
    } else {
      swaps.set(pair.drop, swap);
      planned.set(swap.key, swap.name);
      plan.followers.set(pair.create, swap.drop);
    }
  }
  // The schema right before each statement, so a table renamed earlier in the migration is the
  // existing one and a table it created (or dropped and created again) is new, as the rules see them.
  const state = before.clone();
  statements.forEach((statement, position) => {
    const previous = statements[position - 1];
    for (const unit of previous?.units ?? []) {
      state.apply(unit, { file: parsed.file, position: parsed.positionAt(unit.offset) });
    }
    const [top] = statement.units;
    if (statement.parseError || !top) return;
    const swap = swaps.get(position);
    if (swap) {
      // The DROP of a redefined index: renamed instead, its text (a trailing comment stays after it) replaced.
      plan.edits.push({
        start: top.offset,
        end: statementEnd(migration.sql, top),
        text: `${swap.rename}${top.text.slice(codeEnd(top))}`,
      });
      plan.changes.push(
        `${where(statement)}: index "${swap.name}" renamed "${swap.temporary}" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built`,
      );
      return;
    }
    /** Per statement of the piece: what to insert, and whether to wrap it in a DO block. */
    const insertionsOf = new Map<SqlUnit, Insertion[]>(statement.units.map((unit) => [unit, []]));
    const wrapped = new Set<SqlUnit>();
    const insertions = insertionsOf.get(top)!;
    let moved = false;
    if (!parsed.noTransaction && statement.units.length > 1) {
      // Pieces move whole: a statement that would move, sharing its piece with others, stays.
      for (const unit of statement.units) {
        if (unit.guards.inDoBlock) continue;
        const table = unit.type === "IndexStmt" ? tableName(objectField(unit.node, "relation")) : undefined;
        const existing = table !== undefined && state.existedBefore(table, parsed.file);
        if (existing || concurrentStatement(unit))
          left.push(
            `${at(unit)}: ${unit.type === "IndexStmt" ? `index "${stringField(unit.node, "idxname") ?? ""}"` : concurrentStatement(unit)} shares its piece with other statements: not moved; put --> statement-breakpoint between them and run --fix again`,
          );
      }
    }
    if (!parsed.noTransaction && statement.units.length === 1) {
      const later = statements.slice(position + 1);
      if (top.type === "IndexStmt") {
        const decision = keptCreates.get(position) ?? indexMove(statement, later, state, parsed.file, where);
        if (decision && "left" in decision) left.push(`${where(statement)}: ${decision.left}`);
        else if (decision && pinned)
          left.push(`${where(statement)}: index "${decision.name}" not moved to a new migration, since ${pinned}`);
        else if (decision) {
          moved = true;
          insertions.push(...concurrentIndexInsertions(top));
          plan.outsideTransaction = true;
          plan.changes.push(
            `${where(statement)}: index "${decision.name}" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction`,
          );
        }
      } else if (concurrentStatement(top) && !keptDrops.has(position)) {
        if (pinned)
          left.push(
            `${where(statement)}: ${concurrentStatement(top)} not moved outside a transaction, since ${pinned}`,
          );
        else {
          moved = true;
          plan.outsideTransaction = true;
          plan.changes.push(`${where(statement)}: ${concurrentStatement(top)} moved outside a transaction`);
        }
      } else {
        const validate = alterCommands(top).find((c) => c.subtype === "AT_ValidateConstraint");
        const name = stringField(validate?.command, "name") ?? "";
        if (validate && alterCommands(top).length === 1 && notValidAddition(parsed, statement, validate.table, name)) {
          if (pinned)
            left.push(
              `${where(statement)}: VALIDATE CONSTRAINT "${name}" not moved to a new migration, since ${pinned}`,
            );
          else {
            moved = true;
            plan.validateMoved = true;
            plan.changes.push(
              `${where(statement)}: VALIDATE CONSTRAINT "${name}" moved after the commit of its NOT VALID`,
            );
          }
        }
      }
    }
    if (!parsed.noTransaction && !moved) {
      for (const unit of statement.units) {
        // A statement inside a DO block runs under its conditions and handlers, and one of a
        // called routine's body is not written where it runs: never edited.
        if (unit.guards.inDoBlock) continue;
        const candidate = notValidCandidate(unit, state, parsed.file);
        if (!candidate) continue;
        if (pinned) {
          left.push(
            `${at(unit)}: constraint "${candidate.name}" not made NOT VALID with its VALIDATE in a new migration, since ${pinned}`,
          );
          continue;
        }
        if (candidate.partitionedForeignKey) {
          left.push(
            `${at(unit)}: foreign key "${candidate.name}" is on a partitioned table, where PostgreSQL before 18 refuses NOT VALID: not changed`,
          );
          continue;
        }
        insertionsOf.get(unit)!.push({ at: codeEnd(unit), text: " NOT VALID" });
        plan.validations.push(candidate.validate);
        plan.edits.push({
          start: unit.offset,
          end: unit.offset,
          text: `-- Manual addition: NOT VALID added by db:review --fix; "${candidate.name}" is validated in the next migration.\n`,
        });
        plan.changes.push(`${at(unit)}: constraint "${candidate.name}" added NOT VALID, validated in a new migration`);
      }
    }
    const needsGuard = guarded || (moved && plan.outsideTransaction);
    for (const unit of statement.units) {
      if (!needsGuard || (moved && unit.type === "IndexStmt")) break;
      const fix = guardFix(unit);
      if (fix && "unfixable" in fix) left.push(`${at(unit)}: ${fix.unfixable}`);
      else if (fix) {
        insertionsOf.get(unit)!.push(...fix.insertions);
        if (fix.wrap) wrapped.add(unit);
        plan.changes.push(
          `${at(unit)}: guarded (${fix.wrap ? "DO block catching the duplicate" : fix.insertions.map((i) => i.text.trim()).join(", ")})`,
        );
      }
    }
    for (const [unit, unitInsertions] of insertionsOf) {
      const wrap = wrapped.has(unit);
      if (unitInsertions.length === 0 && !wrap) continue;
      // A comment after the code (no `;` before it) stays after the DO block, not inside it.
      const end = wrap ? codeEnd(unit) : unit.text.length;
      const text = applyInsertions(unit.text.slice(0, end), unitInsertions);
      plan.edits.push(
        wrap
          ? {
              start: unit.offset,
              end: statementEnd(migration.sql, unit),
              text: `${wrapInDoBlock(text)}${unit.text.slice(end)}`,
            }
          : { start: unit.offset, end: unit.offset + unit.text.length, text },
      );
    }
    if (moved) plan.moved.add(statement.index);
  });
  return plan;
}

/** The file's pieces between breakpoints (as the runner splits them), each with its start offset. */
function pieces(text: string): { start: number; text: string }[] {
  const result: { start: number; text: string }[] = [];
  let start = 0;
  for (const piece of text.split(STATEMENT_BREAKPOINT)) {
    result.push({ start, text: piece });
    start += piece.length + STATEMENT_BREAKPOINT.length;
  }
  return result;
}

/** The statement's piece with the edits that fall inside it applied. */
function editedPiece(piece: { start: number; text: string }, edits: readonly Edit[]): string {
  let text = piece.text;
  const end = piece.start + piece.text.length;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    if (edit.start < piece.start || edit.end > end) continue;
    text = text.slice(0, edit.start - piece.start) + edit.text + text.slice(edit.end - piece.start);
  }
  return text;
}

/** The migration's new text, and the moved statements' texts. */
function rewrite(plan: MigrationPlan): { kept: string; moved: string[] } {
  const all = pieces(plan.migration.sql);
  const pieceOf = (statement: ReviewStatement) =>
    all.findIndex((p) => statement.offset >= p.start && statement.offset < p.start + p.text.length);
  const movedPieces = new Set(plan.parsed.statements.filter((s) => plan.moved.has(s.index)).map(pieceOf));
  const followersOf = new Map<number, string[]>();
  for (const [index, follower] of plan.followers) {
    const piece = pieceOf(plan.parsed.statements[index]!);
    followersOf.set(piece, [...(followersOf.get(piece) ?? []), follower]);
  }
  const kept = all.filter((_, i) => !movedPieces.has(i)).map((p) => editedPiece(p, plan.edits));
  const moved = all.flatMap((p, i) =>
    movedPieces.has(i) ? [editedPiece(p, plan.edits).trim(), ...(followersOf.get(i) ?? [])] : [],
  );
  return { kept: kept.join(STATEMENT_BREAKPOINT), moved };
}

/**
 * The follow-up migration's text (or, given the notes it kept, the migration's own when all of it
 * moved): the directive if needed, the header, the notes, the statements.
 */
function followUp(plan: MigrationPlan, moved: readonly string[], inPlaceNotes?: readonly string[]): string {
  const inPlace = inPlaceNotes !== undefined;
  const reasons = [
    plan.outsideTransaction ? "the index is built CONCURRENTLY outside a transaction, so writes go on meanwhile" : "",
    plan.followers.size > 0
      ? "an index's old definition, renamed before, is dropped CONCURRENTLY only once the new one is built, so the table always has one"
      : "",
    plan.validations.length > 0 || plan.validateMoved
      ? "VALIDATE runs after the NOT VALID constraint is committed, under SHARE UPDATE EXCLUSIVE, which blocks no reads or writes"
      : "",
  ].filter(Boolean);
  const origin = inPlace ? "rewritten by db:review --fix" : `moved here from ${plan.migration.tag} by db:review --fix`;
  const head = [
    ...(plan.outsideTransaction ? [NO_TRANSACTION_DIRECTIVE] : []),
    `-- Manual addition: ${origin}: ${reasons.join("; ")}.`,
    ...(inPlaceNotes ?? []),
  ].join("\n");
  const statements = [...moved, ...plan.validations];
  return `${head}\n${statements.join(`${STATEMENT_BREAKPOINT}\n`)}\n`;
}

interface Item {
  /** The tag before the fix (absent for a new migration). */
  from?: string;
  name: string;
  sql: string;
  when: number;
  snapshot?: Snapshot;
  entry: JournalEntry;
  changed: boolean;
}

/** Writes the planned fixes: new texts, new migrations after their originals, the renumbered later ones. */
function writePlans(
  folder: ReturnType<typeof readMigrationFolder>,
  fresh: readonly Migration[],
  plans: readonly MigrationPlan[],
  now: () => number,
): Omit<FixReport, "left"> {
  const journal = folder.journal;
  if (!journal) {
    throw new MigratorError(
      "fix-refused",
      `${folder.folder} is in Drizzle Kit 1.0's layout (a folder per migration); --fix writes only 0.x folders`,
      "move the statements the findings name into a new migration by hand (drizzle-kit generate --custom)",
    );
  }
  const changes = plans.flatMap((plan) => plan.changes);
  const items: Item[] = [];
  const indexNumbered = folder.migrations.every((m) => /^\d{4}_/.test(m.tag));
  for (const migration of fresh) {
    const entry = journal.entries.find((e) => e.tag === migration.tag) as JournalEntry;
    const plan = plans.find((p) => p.migration === migration);
    const item: Item = {
      from: migration.tag,
      name: migration.tag.slice(migration.tag.indexOf("_") + 1),
      sql: migration.sql,
      when: migration.when,
      ...(migration.snapshot ? { snapshot: migration.snapshot } : {}),
      entry,
      changed: Boolean(plan),
    };
    items.push(item);
    if (!plan) continue;
    const { kept, moved } = rewrite(plan);
    const follow = moved.length > 0 || plan.validations.length > 0;
    if (follow && plan.moved.size === plan.parsed.statements.length) {
      // Every statement moves: the migration itself becomes the follow-up, with the pieces that
      // hold only comments (a ticket, a rollback note) kept above its statements.
      const notes = kept
        .split(STATEMENT_BREAKPOINT)
        .map((piece) => piece.trim())
        .filter(Boolean);
      item.sql = followUp(plan, moved, notes);
      continue;
    }
    item.sql = kept.endsWith("\n") ? kept : `${kept}\n`;
    if (!follow) continue;
    const last = migration === fresh.at(-1);
    if (!last && !indexNumbered) {
      throw new MigratorError(
        "fix-refused",
        `${migration.tag} needs a new migration right after it, but later migrations are numbered by timestamp and cannot be renumbered`,
        "fix it when it is the last migration, or move the statements into a new migration by hand",
      );
    }
    items.push({
      name: `${item.name}-online`,
      sql: followUp(plan, moved),
      when: nextSecond(migration.when),
      ...(migration.snapshot
        ? { snapshot: { ...migration.snapshot, id: randomUUID(), prevId: migration.snapshot.id } }
        : {}),
      entry: { ...entry },
      changed: true,
    });
  }
  const firstFresh = folder.migrations.length - fresh.length;
  const previous = folder.migrations[firstFresh - 1];
  let prevId = previous?.snapshot?.id;
  let prevWhen = previous?.when ?? 0;
  const journalEntries = journal.entries.slice(0, firstFresh);
  /** The number of an index-numbered tag (`0014` of `0014_name`). */
  const numberOf = (tag: string) => Number(tag.slice(0, tag.indexOf("_")));
  items.forEach((item) => {
    // After every migration before it, committed ones included, whose numbers may have gaps: a
    // number by position would be a committed migration's (its snapshot overwritten).
    const next = nextTag({ ...journal, entries: journalEntries }, item.name, now());
    const idx = next.idx;
    const tag = !indexNumbered
      ? (item.from ?? next.tag)
      : item.from !== undefined && numberOf(item.from) >= numberOf(next.tag)
        ? item.from
        : next.tag;
    // Each in a second of its own: Drizzle Kit 1.0 names a migration's folder by the second
    // (`drizzle-kit up` included), and two of one second convert out of order or collide.
    if (Math.floor(item.when / 1000) <= Math.floor(prevWhen / 1000)) item.when = nextSecond(prevWhen);
    prevWhen = item.when;
    if (item.snapshot && prevId !== undefined && item.snapshot.prevId !== prevId) {
      item.snapshot = { ...item.snapshot, prevId };
      item.changed = true;
    }
    prevId = item.snapshot?.id ?? prevId;
    if (tag !== item.from || item.when !== item.entry.when) item.changed = true;
    item.entry = { ...item.entry, idx, tag, when: item.when };
    journalEntries.push(item.entry);
  });
  // A db:revert among them names the migration it reverses by tag: the tag it has now.
  const renames = new Map(
    items.flatMap((item) => (item.from && item.from !== item.entry.tag ? [[item.from, item.entry.tag]] : [])),
  );
  for (const item of items) {
    const sql = retargetRevertHeader(item.sql, renames);
    if (sql !== item.sql) Object.assign(item, { sql, changed: true });
  }
  for (const item of items) checkParses(item);

  const root = folder.folder;
  const written = items.filter((item) => item.changed);
  for (const item of written) {
    writeFileSync(join(root, `${item.entry.tag}.sql`), item.sql);
    if (item.snapshot) {
      writeFileSync(
        join(root, "meta", snapshotFileName(item.entry.tag)),
        `${JSON.stringify(item.snapshot, null, 2)}\n`,
      );
    }
    if (item.from && item.from !== item.entry.tag) changes.push(`${item.from}.sql renamed to ${item.entry.tag}.sql`);
    if (!item.from) changes.push(`${item.entry.tag}.sql written (new migration)`);
  }
  const finalFiles = new Set(items.flatMap((i) => [`${i.entry.tag}.sql`, snapshotFileName(i.entry.tag)]));
  for (const item of items) {
    if (!item.from || item.from === item.entry.tag) continue;
    if (!finalFiles.has(`${item.from}.sql`)) rmSync(join(root, `${item.from}.sql`), { force: true });
    if (!finalFiles.has(snapshotFileName(item.from)))
      rmSync(join(root, "meta", snapshotFileName(item.from)), { force: true });
  }
  writeFileSync(folder.journalPath, `${JSON.stringify({ ...journal, entries: journalEntries }, null, 2)}\n`);
  return {
    changes,
    written: written.map((item) => item.entry.tag),
    rewritten: written.flatMap((item) => (item.from ? [item.from] : [])),
    uncommitted: items.map((item) => item.entry.tag),
  };
}

/** The fixed text must parse; otherwise --fix has a bug and writes nothing. */
function checkParses(item: Item): void {
  const parsed = parseMigration(item.entry.tag, `${item.entry.tag}.sql`, item.sql);
  const broken = parsed.statements.find((s) => s.parseError);
  if (broken) {
    throw new MigratorError(
      "fix-failed",
      `--fix produced SQL that PostgreSQL cannot parse in ${item.entry.tag}.sql line ${broken.position.line}: ${broken.parseError?.message} (nothing was written)`,
      "report this with the migration; meanwhile fix the migration by hand",
    );
  }
}
