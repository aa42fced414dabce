/**
 * Turns a migration file into what the rules read: its statements (split exactly as the runner
 * splits them), each parsed by PostgreSQL's own parser (libpg-query), with the SQL inside
 * `DO $$ … $$` blocks parsed too (and, for the review, the bodies of the routines the migration
 * or an earlier one creates and the migration then calls), and every position mapped back to the
 * file's line and column.
 */
import { pgQuery } from "./pg-query.ts";
import { type MigrationStatement, runsOutsideTransaction, splitStatements } from "./statements.ts";
import { arrayField, nodeOf, stringField, unwrap } from "./ast.ts";
import { charOffsets, syntaxErrorOffset } from "./text-offsets.ts";
import { leadingComments, LINE_BREAK } from "./comments.ts";
import { errorMessage } from "../errors/error-message.ts";
import { type CreatedRoutine, CreatedRoutines, type EarlierRoutine, routineBody } from "./called-routines.ts";
import { DoBlockText } from "./do-block-text.ts";
import { parsableText } from "./plpgsql-body.ts";
import { PERFORM_QUERY_PREFIX, type PlpgsqlStatement, walkPlpgsql } from "./plpgsql-walk.ts";

import type { BlockGuards, DoBlockBody, Position, SqlUnit } from "./sql-unit.ts";

export type { Position, SqlUnit } from "./sql-unit.ts";
export type { EarlierRoutine } from "./called-routines.ts";

/** One chunk between `--> statement-breakpoint`s, parsed. */
export interface ReviewStatement extends MigrationStatement {
  /** Where its first line of code (after leading comments) starts. */
  position: Position;
  /** Character offset of `sql` in the file. */
  offset: number;
  /** The `--` comment lines right above the code (inside the chunk), without the dashes. */
  leadingComments: string[];
  /** The statements it holds (several for a DO block with several inner statements). */
  units: SqlUnit[];
  /** Set when PostgreSQL's parser rejects the chunk. */
  parseError?: { message: string; position: Position };
}

/** A migration file ready for review. */
export interface ParsedMigration {
  /** The journal tag, e.g. `0008_add-correlation-id`. */
  tag: string;
  /** The path findings print. */
  file: string;
  text: string;
  /** Whether the first line is `-- migrator:no-transaction`. */
  noTransaction: boolean;
  statements: ReviewStatement[];
  /** Maps a character offset in the file to its line and column. */
  positionAt(offset: number): Position;
  /**
   * Given `earlierRoutines`: the ones the parse looked up, by name, as it found them (none for a
   * name no earlier migration created). With the text, they make the units: a parse tree kept
   * for later runs is valid while the earlier migrations still leave these routines so.
   */
  earlierLookups?: ReadonlyMap<string, readonly EarlierRoutine[]>;
}

export { loadParser } from "./pg-query.ts";

/** How {@link parseMigration} reads a migration. */
export interface ParseOptions {
  /**
   * Read the body of each routine the migration creates and then calls into units of the calling
   * statement (see {@link SqlUnit}): what the review checks, since the body runs then. Off, the
   * units are the statements the file spells out (db:revert and the runner reason about those).
   */
  followCalls?: boolean;
  /**
   * With `followCalls`: the routines earlier migrations created, by name (the replayed schema's
   * before this migration). A call of one reads its body as a call of the migration's own does.
   */
  earlierRoutines?: ReadonlyMap<string, readonly EarlierRoutine[]>;
}

/**
 * Parses one migration file. SQL the parser rejects is kept with `parseError` set, never thrown.
 * Call `await loadParser()` first.
 */
export function parseMigration(tag: string, file: string, text: string, options: ParseOptions = {}): ParsedMigration {
  const positionAt = positionFinder(text);
  const statements: ReviewStatement[] = [];
  const context: ParseContext = options.followCalls ? { routines: new CreatedRoutines(options.earlierRoutines) } : {};
  let cursor = 0;
  for (const chunk of splitStatements(text)) {
    const found = text.indexOf(chunk.sql, cursor);
    const offset = found >= 0 ? found : cursor;
    cursor = offset + chunk.sql.length;
    statements.push(parseStatement(chunk, offset, positionAt, context));
  }
  const migration: ParsedMigration = {
    tag,
    file,
    text,
    noTransaction: runsOutsideTransaction(text),
    statements,
    positionAt,
  };
  if (options.earlierRoutines && context.routines) migration.earlierLookups = context.routines.consulted;
  return migration;
}

/** Maps a character offset of `text` to its line and column. */
function positionFinder(text: string): (offset: number) => Position {
  const lineStarts = [0];
  for (const { index, 0: lineBreak } of text.matchAll(new RegExp(LINE_BREAK.source, "g")))
    lineStarts.push(index + lineBreak.length);
  return (offset: number): Position => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
}

/**
 * A parsed migration's statements as plain JSON (each unit's `source` string stored once, by
 * index), for the review cache; {@link restoreMigration} reads it back.
 */
export interface ParsedStatementsJson {
  sources: string[];
  statements: (Omit<ReviewStatement, "units"> & { units: (Omit<SqlUnit, "source"> & { source: number })[] })[];
}

/** What {@link restoreMigration} needs to rebuild `migration` without the parser. */
export function parsedStatementsJson(migration: ParsedMigration): ParsedStatementsJson {
  const sources: string[] = [];
  const index = new Map<string, number>();
  const sourceIndex = (source: string): number => {
    let at = index.get(source);
    if (at === undefined) {
      at = sources.push(source) - 1;
      index.set(source, at);
    }
    return at;
  };
  const statements = migration.statements.map((statement) => ({
    ...statement,
    units: statement.units.map((unit) => ({ ...unit, source: sourceIndex(unit.source) })),
  }));
  return { sources, statements };
}

/** The migration {@link parsedStatementsJson} described, for the same `text`. */
export function restoreMigration(tag: string, file: string, text: string, json: ParsedStatementsJson): ParsedMigration {
  const statements = json.statements.map((statement) => ({
    ...statement,
    units: statement.units.map((unit) => ({ ...unit, source: json.sources[unit.source] ?? "" })),
  }));
  return { tag, file, text, noTransaction: runsOutsideTransaction(text), statements, positionAt: positionFinder(text) };
}

function parseStatement(
  chunk: MigrationStatement,
  offset: number,
  positionAt: (offset: number) => Position,
  context: ParseContext,
): ReviewStatement {
  const { comments, codeStart } = leadingComments(chunk.sql);
  const statement: ReviewStatement = {
    ...chunk,
    offset,
    position: positionAt(offset + codeStart),
    leadingComments: comments,
    units: [],
  };
  try {
    statement.units = parseUnits(chunk.sql, offset, TOP_LEVEL, context);
  } catch (error) {
    const at = error instanceof SqlSyntaxError ? error.offset : offset + codeStart;
    statement.parseError = { message: errorMessage(error), position: positionAt(at) };
  }
  return statement;
}

/** The guards of a statement of its own. */
const TOP_LEVEL: BlockGuards = { inDoBlock: false, handles: [], conditional: false };

/** A syntax error placed in the file: `offset` is a character offset of the text parsed. */
class SqlSyntaxError extends Error {
  override name = "SqlSyntaxError";

  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * What parsing carries from statement to statement: the routines created so far (when calls are
 * followed), and the call being read.
 */
interface ParseContext {
  routines?: CreatedRoutines;
  /** Set while a called routine's body is read. */
  call?: RoutineCall;
}

/** A call of a routine the migration or an earlier one created, whose body is being read. */
interface RoutineCall {
  /** Where the calling statement starts in the file: every statement of the body is placed there. */
  offset: number;
  /** The routine whose body is read. */
  routine: string;
  /** For an earlier migration's routine: where its `CREATE` is (`file:line`). */
  createdIn?: string;
  /**
   * The routines read for this call so far: each once, so that a routine calling itself, two
   * calling each other, or one called twice by the same statement are read once.
   */
  read: Set<CreatedRoutine>;
}

/**
 * The statements of a piece of SQL (several allowed, no breakpoints needed), with the plain
 * statements inside DO blocks after their block. Throws when PostgreSQL's parser rejects it.
 *
 * @example parseSql('DROP ROLE "x"')[0]?.type // "DropRoleStmt"
 */
export function parseSql(sql: string): SqlUnit[] {
  return parseUnits(sql, 0, TOP_LEVEL, {});
}

/**
 * Parses SQL text into units; DO blocks contribute the statements of their body, calls (when
 * followed) the statements of the routines they call. `startsAt` places a single statement
 * elsewhere than its text (a PERFORM's `SELECT` at its PERFORM).
 */
function parseUnits(
  sql: string,
  fileOffset: number,
  guards: BlockGuards,
  context: ParseContext,
  startsAt?: number,
): SqlUnit[] {
  const units: SqlUnit[] = [];
  let stmts;
  try {
    stmts = pgQuery().parseSync(sql).stmts ?? [];
  } catch (error) {
    const at = syntaxErrorOffset(error, sql);
    if (at === undefined) throw error;
    throw new SqlSyntaxError(errorMessage(error), fileOffset + at);
  }
  const charOffset = charOffsets(sql);
  const { call } = context;
  for (const raw of stmts) {
    const node = unwrap(raw.stmt);
    if (!node) continue;
    const start = charOffset(raw.stmt_location ?? 0);
    const end = raw.stmt_len ? charOffset((raw.stmt_location ?? 0) + raw.stmt_len) : sql.length;
    const slice = sql.slice(start, end);
    const codeStart = leadingComments(slice).codeStart;
    const text = slice.slice(codeStart).trim();
    const textStart = start + codeStart;
    const unit: SqlUnit = call
      ? { type: node.type, node: node.body, text, offset: call.offset, source: "", sourceOffset: call.offset, guards }
      : {
          type: node.type,
          node: node.body,
          text,
          offset: startsAt ?? fileOffset + textStart,
          source: sql,
          sourceOffset: fileOffset,
          guards,
        };
    if (call) unit.routine = call.routine;
    if (call?.createdIn !== undefined) unit.routineCreatedIn = call.createdIn;
    units.push(unit);
    if (node.type === "DoStmt") {
      const as = arrayField(node.body, "args")
        .map((arg) => nodeOf(arg, "DefElem"))
        .find((arg) => stringField(arg, "defname") === "as");
      const location = as?.["location"];
      const bodyAt = typeof location === "number" ? charOffset(location) - textStart : undefined;
      const body = new DoBlockText(text, stringField(nodeOf(as?.["arg"], "String"), "sval") ?? "", bodyAt);
      const inner = doBlockUnits(unit, body, fileOffset + textStart, context);
      unit.doBlock = inner.body;
      units.push(...inner.units);
    }
    units.push(...calledUnits(callsIn(unit, context), unit.offset, guards, context));
    context.routines?.record(unit);
  }
  return units;
}

/**
 * The statements inside a `DO $$ … $$` block (`unit`, whose text starts at `fileOffset`), with
 * the guards around each, placed where the PL/pgSQL parse tree and the lexer find them, and what
 * else it holds. A body PL/pgSQL's parser rejects is a syntax error at the statement at fault
 * when the SQL parser finds it, else at the block.
 */
function doBlockUnits(
  unit: SqlUnit,
  located: DoBlockText,
  fileOffset: number,
  context: ParseContext,
): { units: SqlUnit[]; body: DoBlockBody } {
  let tree: unknown;
  try {
    tree = pgQuery().parsePlPgSQLSync(unit.text);
  } catch (error) {
    const message = errorMessage(error);
    const at = located.errorAt(message);
    throw new SqlSyntaxError(message, at === undefined ? unit.offset : fileOffset + at);
  }
  const walk = walkPlpgsql(tree, { ...unit.guards, inDoBlock: true });
  const units: SqlUnit[] = [];
  for (const inner of walk.statements) {
    // An expression matters only for the routines it may call (of this migration or an earlier one).
    if (inner.kind === "expression" && !context.routines?.any) continue;
    const { start, expression } = located.locate(inner);
    // An inner statement the parser rejects makes the whole statement a parse error, which the
    // review reports: nothing inside a DO block is dropped unseen.
    if (inner.kind === "sql") units.push(...parseUnits(inner.query, fileOffset + start, inner.guards, context));
    // Parse-tree locations land on the expression; the statement starts at its PERFORM.
    else if (inner.kind === "perform") {
      const from = fileOffset + expression - PERFORM_QUERY_PREFIX.length;
      units.push(...parseUnits(inner.query, from, inner.guards, context, fileOffset + start));
    } else units.push(...expressionCalls(inner, fileOffset + start, context));
  }
  return { units, body: { opaque: [...new Set(walk.opaque)] } };
}

/**
 * The names of the routines a statement calls, when calls are followed and the migration or an
 * earlier one has created any. A statement of its own whose tree nests too deep to walk calls none that the
 * review can see: the rules, walking it too, report it (parse-error). Inside a called routine's
 * body the stack may have run out in the chain of calls instead: the `RangeError` fails the
 * calling statement (parse-error), rather than leaving the rest of the chain unread.
 */
function callsIn(unit: Pick<SqlUnit, "type" | "node">, context: ParseContext): string[] {
  if (!context.routines?.any) return [];
  try {
    return context.routines.calledBy(unit);
  } catch (error) {
    if (error instanceof RangeError && !context.call) return [];
    throw error;
  }
}

/**
 * The statements of the routines named `names` that the migration or an earlier one created (every
 * overload), run by a call at `offset` under `guards`; each routine read once per call (recursion
 * ends there).
 */
function calledUnits(names: string[], offset: number, guards: BlockGuards, context: ParseContext): SqlUnit[] {
  const { routines } = context;
  const units: SqlUnit[] = [];
  const read = context.call?.read ?? new Set<CreatedRoutine>();
  for (const routine of names.flatMap((name) => routines?.named(name) ?? [])) {
    if (read.has(routine)) continue;
    read.add(routine);
    const call: RoutineCall = {
      offset: context.call?.offset ?? offset,
      routine: routine.name,
      ...(routine.createdIn === undefined ? {} : { createdIn: routine.createdIn }),
      read,
    };
    for (const statement of routineBody(routine, { ...guards, inDoBlock: true })) {
      units.push(...bodyStatementUnits(statement, { routines, call }));
    }
  }
  return units;
}

/**
 * The units of one statement of a called routine's body. One the parser rejects is left out:
 * PostgreSQL checks a body when it creates the routine, so the migration fails there.
 */
function bodyStatementUnits(statement: PlpgsqlStatement, context: ParseContext & { call: RoutineCall }): SqlUnit[] {
  if (statement.kind === "expression") return expressionCalls(statement, context.call.offset, context);
  try {
    return parseUnits(statement.query, 0, statement.guards, context);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return [];
  }
}

/**
 * The statements of the routines a PL/pgSQL expression other than a statement calls (`v :=
 * wipe()`, `IF wipe() THEN`, `CALL p()`, a loop's query), placed at `offset`: the expression is
 * not a unit itself. An expression the parser rejects calls nothing the review can see; one nested
 * deeper than its stack fails the statement (parse-error).
 */
function expressionCalls(statement: PlpgsqlStatement, offset: number, context: ParseContext): SqlUnit[] {
  const text = parsableText(statement.query, statement.parseMode);
  if (text === undefined) return [];
  let stmts;
  try {
    stmts = pgQuery().parseSync(text).stmts ?? [];
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return [];
  }
  const names = stmts.flatMap((raw) => {
    const node = unwrap(raw.stmt);
    return node ? callsIn({ type: node.type, node: node.body }, context) : [];
  });
  return calledUnits(names, offset, statement.guards, context);
}
