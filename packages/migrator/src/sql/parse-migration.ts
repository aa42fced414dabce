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
import {
  type BodyStatement,
  type CalledRoutine,
  type CreatedRoutine,
  CreatedRoutines,
  type EarlierRoutine,
  routineBody,
} from "./called-routines.ts";
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
  /** Set when PostgreSQL's parser rejects the chunk, or the review cannot read what a routine it calls runs. */
  parseError?: {
    message: string;
    position: Position;
    /**
     * Set when the chunk parses but a routine it calls cannot be read (a body the review's
     * parser rejects, a chain of calls deeper than its stack): `message` is the review's, naming it.
     */
    inCalledRoutine?: true;
  };
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
  /** Likewise, given `earlierPrepared`: the prepared queries it looked up, by name (the `PREPARE`'s text, or undefined for none). */
  earlierPreparedLookups?: ReadonlyMap<string, string | undefined>;
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
  /**
   * With `followCalls`: the queries earlier migrations prepared and left (the runner runs them in
   * one session), by name: the `PREPARE` statement's text. An `EXECUTE` of one runs its calls.
   */
  earlierPrepared?: ReadonlyMap<string, string>;
}

/**
 * Parses one migration file. SQL the parser rejects is kept with `parseError` set, never thrown.
 * Call `await loadParser()` first.
 */
export function parseMigration(tag: string, file: string, text: string, options: ParseOptions = {}): ParsedMigration {
  const positionAt = positionFinder(text);
  const statements: ReviewStatement[] = [];
  const context: ParseContext = options.followCalls
    ? { routines: new CreatedRoutines(options.earlierRoutines, options.earlierPrepared) }
    : {};
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
  if (options.earlierPrepared && context.routines)
    migration.earlierPreparedLookups = context.routines.consultedPrepared;
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
    if (error instanceof CallNotRead) {
      const message = error.describe();
      statement.parseError = { message, position: positionAt(error.call.offset), inCalledRoutine: true };
      return statement;
    }
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
 * A statement calls a routine whose body the review cannot read: its parser rejects a statement of
 * it (`cause`), or its stack ran out (a `RangeError`) in a chain of calls, which `call` ends.
 */
class CallNotRead extends Error {
  override name = "CallNotRead";

  constructor(
    readonly call: RoutineCall,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
  }

  /** What the review reports: the routine whose body it cannot read, or the start of the chain too deep to follow. */
  describe(): string {
    const chain: RoutineCall[] = [];
    for (let call: RoutineCall | undefined = this.call; call; call = call.caller) chain.push(call);
    chain.reverse();
    const body = `the body of "${this.call.routine}"${this.call.createdIn === undefined ? "" : ` from ${this.call.createdIn}`}`;
    if (!(this.cause instanceof RangeError))
      return `the review cannot read this statement: its parser rejects ${body}, which the statement runs: ${this.message}`;
    if (chain.length === 1)
      return `the review cannot read this statement: ${body}, which it runs, nests deeper than the review's stack (PostgreSQL may still run it)`;
    const start = chain.slice(0, CHAIN_SHOWN).map((call) => `"${call.routine}"`);
    if (chain.length > CHAIN_SHOWN) start.push("…");
    return (
      `the review cannot read this statement: the chain of routine calls it makes (${start.join(" → ")}) runs ` +
      `deeper than the review's stack (it ran out ${chain.length} calls deep; PostgreSQL may still run it)`
    );
  }
}

/** How many routines of a chain of calls too deep to follow the review names. */
const CHAIN_SHOWN = 3;

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
  /** The call in whose routine's body this call is: none for the calling statement's own. */
  caller?: RoutineCall;
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
 * The routines a statement calls, when calls are followed and the migration or an
 * earlier one has created any. A statement of its own whose tree nests too deep to walk calls none that the
 * review can see: the rules, walking it too, report it (parse-error). Inside a called routine's
 * body the stack may have run out in the chain of calls instead: the `RangeError` fails the
 * calling statement (parse-error), rather than leaving the rest of the chain unread.
 */
function callsIn(unit: Pick<SqlUnit, "type" | "node">, context: ParseContext): CalledRoutine[] {
  if (!context.routines?.any) return [];
  try {
    return context.routines.calledBy(unit);
  } catch (error) {
    if (error instanceof RangeError && !context.call) return [];
    throw error;
  }
}

/**
 * The statements of the routines `calls` may run that the migration or an earlier one created
 * (every overload), run by a call at `offset` under `guards`; each routine read once per call
 * (recursion ends there). A body the review cannot read fails the calling statement (`CallNotRead`).
 */
function calledUnits(calls: CalledRoutine[], offset: number, guards: BlockGuards, context: ParseContext): SqlUnit[] {
  const { routines } = context;
  const units: SqlUnit[] = [];
  const read = context.call?.read ?? new Set<CreatedRoutine>();
  for (const routine of calls.flatMap((called) => routines?.named(called) ?? [])) {
    if (read.has(routine)) continue;
    read.add(routine);
    const call: RoutineCall = {
      offset: context.call?.offset ?? offset,
      routine: routine.name,
      ...(routine.createdIn === undefined ? {} : { createdIn: routine.createdIn }),
      ...(context.call ? { caller: context.call } : {}),
      read,
    };
    try {
      for (const statement of routineBody(routine, { ...guards, inDoBlock: true })) {
        units.push(...bodyStatementUnits(statement, { routines, call }));
      }
    } catch (error) {
      // The innermost routine names what could not be read (the end of a chain too deep).
      if (error instanceof CallNotRead) throw error;
      throw new CallNotRead(call, error);
    }
  }
  return units;
}

/**
 * The units of one statement of a called routine's body: parsed (a SQL-standard body's, read from
 * its tree), or parsed here. Throws what the parser throws for one it rejects: PostgreSQL checked
 * the body when it created the routine (unless `check_function_bodies` was off), so what the
 * review's parser rejects the review cannot see, which is not a statement doing nothing.
 */
function bodyStatementUnits(statement: BodyStatement, context: ParseContext & { call: RoutineCall }): SqlUnit[] {
  const { call } = context;
  if (statement.kind !== "parsed") {
    if (statement.kind === "expression") return expressionCalls(statement, call.offset, context);
    return parseUnits(statement.query, 0, statement.guards, context);
  }
  const unit: SqlUnit = {
    type: statement.type,
    node: statement.node,
    text: statement.text,
    offset: call.offset,
    source: "",
    sourceOffset: call.offset,
    guards: statement.guards,
    routine: call.routine,
    ...(call.createdIn === undefined ? {} : { routineCreatedIn: call.createdIn }),
  };
  const units = [unit, ...calledUnits(callsIn(unit, context), call.offset, statement.guards, context)];
  context.routines?.record(unit);
  return units;
}

/**
 * The statements of the routines a PL/pgSQL expression other than a statement calls (`v :=
 * wipe()`, `IF wipe() THEN`, `CALL p()`, a loop's query), placed at `offset`: the expression is
 * not a unit itself. In a DO block, an expression the parser rejects calls nothing the review can
 * see (PostgreSQL rejects the block before it runs any of it); in a called routine's body it fails
 * the call, as a statement does. One nested deeper than the stack fails the statement (parse-error).
 */
function expressionCalls(statement: PlpgsqlStatement, offset: number, context: ParseContext): SqlUnit[] {
  const text = parsableText(statement.query, statement.parseMode);
  if (text === undefined) return [];
  let stmts;
  try {
    stmts = pgQuery().parseSync(text).stmts ?? [];
  } catch (error) {
    if (error instanceof RangeError || context.call) throw error;
    return [];
  }
  const calls = stmts.flatMap((raw) => {
    const node = unwrap(raw.stmt);
    return node ? callsIn({ type: node.type, node: node.body }, context) : [];
  });
  return calledUnits(calls, offset, statement.guards, context);
}
