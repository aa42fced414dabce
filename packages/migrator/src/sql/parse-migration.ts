/**
 * Turns a migration file into what the rules read: its statements (split exactly as the runner
 * splits them), each parsed by PostgreSQL's own parser (libpg-query), with the SQL inside
 * `DO $$ … $$` blocks parsed too, and every position mapped back to the file's line and column.
 */
import { pgQuery } from "./pg-query.ts";
import { type MigrationStatement, runsOutsideTransaction, splitStatements } from "./statements.ts";
import { type AstObject, arrayField, isObject, objectField, stringField, unwrap } from "./ast.ts";
import { charOffsets, codePointsToCharOffset } from "./text-offsets.ts";
import { leadingComments, LINE_BREAK } from "./comments.ts";
import { errorMessage } from "../errors/error-message.ts";

/** A 1-based line and column in a migration file. */
export interface Position {
  line: number;
  column: number;
}

/** How a statement inside a `DO` block is protected against running twice. */
export interface BlockGuards {
  /** It sits inside a `DO $$ … $$` block. */
  inDoBlock: boolean;
  /** Conditions caught by an enclosing `EXCEPTION WHEN …` (e.g. `duplicate_object`). */
  handles: string[];
  /**
   * It runs only under an `IF` (e.g. `IF NOT EXISTS (SELECT … FROM pg_roles …)`) or in an
   * `EXCEPTION WHEN …` handler (only when the error happens).
   */
  conditional: boolean;
}

/** One SQL statement the parser understood: a top-level statement or one inside a DO block. */
export interface SqlUnit {
  /** The parse-tree node type, e.g. `CreateStmt`, `AlterTableStmt`, `IndexStmt`. */
  type: string;
  /** The node's fields. */
  node: AstObject;
  /** The statement's SQL text. */
  text: string;
  /** Character offset of `text` in the file. */
  offset: number;
  /** The SQL string the parser was given (parse-tree locations are byte offsets into it)… */
  source: string;
  /** …and where that string starts in the file. */
  sourceOffset: number;
  guards: BlockGuards;
  /** For a `DO` block: what its body holds besides the plain statements listed after it. */
  doBlock?: DoBlockBody;
}

/**
 * What a `DO` block's body holds that neither the review nor `db:revert` can see into. Its plain
 * SQL statements become units of their own; these are the rest.
 */
export interface DoBlockBody {
  /** PL/pgSQL statements that are not plain SQL (`PERFORM`, dynamic `EXECUTE`, loops, assignments…), by kind. */
  opaque: string[];
}

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
}

export { loadParser } from "./pg-query.ts";

/**
 * Parses one migration file. SQL the parser rejects is kept with `parseError` set, never thrown.
 * Call `await loadParser()` first.
 */
export function parseMigration(tag: string, file: string, text: string): ParsedMigration {
  const positionAt = positionFinder(text);
  const statements: ReviewStatement[] = [];
  let cursor = 0;
  for (const chunk of splitStatements(text)) {
    const found = text.indexOf(chunk.sql, cursor);
    const offset = found >= 0 ? found : cursor;
    cursor = offset + chunk.sql.length;
    statements.push(parseStatement(chunk, offset, positionAt));
  }
  return { tag, file, text, noTransaction: runsOutsideTransaction(text), statements, positionAt };
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
    statement.units = parseUnits(chunk.sql, offset, { inDoBlock: false, handles: [], conditional: false });
  } catch (error) {
    const cursorPosition = sqlErrorCursor(error);
    const at = cursorPosition === undefined ? codeStart : codePointsToCharOffset(chunk.sql, cursorPosition);
    statement.parseError = {
      message: errorMessage(error),
      position: positionAt(offset + at),
    };
  }
  return statement;
}

/**
 * The statements of a piece of SQL (several allowed, no breakpoints needed), with the plain
 * statements inside DO blocks after their block. Throws when PostgreSQL's parser rejects it.
 *
 * @example parseSql('DROP ROLE "x"')[0]?.type // "DropRoleStmt"
 */
export function parseSql(sql: string): SqlUnit[] {
  return parseUnits(sql, 0, { inDoBlock: false, handles: [], conditional: false });
}

/** Parses SQL text into units; DO blocks contribute the statements of their body. */
function parseUnits(sql: string, fileOffset: number, guards: BlockGuards): SqlUnit[] {
  const units: SqlUnit[] = [];
  const stmts = pgQuery().parseSync(sql).stmts ?? [];
  const charOffset = charOffsets(sql);
  for (const raw of stmts) {
    const node = unwrap(raw.stmt);
    if (!node) continue;
    const start = charOffset(raw.stmt_location ?? 0);
    const end = raw.stmt_len ? charOffset((raw.stmt_location ?? 0) + raw.stmt_len) : sql.length;
    const slice = sql.slice(start, end);
    const codeStart = leadingComments(slice).codeStart;
    const text = slice.slice(codeStart).trim();
    const textStart = start + codeStart;
    const unit: SqlUnit = {
      type: node.type,
      node: node.body,
      text,
      offset: fileOffset + textStart,
      source: sql,
      sourceOffset: fileOffset,
      guards,
    };
    units.push(unit);
    if (node.type === "DoStmt") {
      const inner = doBlockUnits(text, fileOffset + textStart);
      unit.doBlock = inner.body;
      units.push(...inner.units);
    }
  }
  return units;
}

/** The statements inside a `DO $$ … $$` block, with the guards around each, and what else it holds. */
function doBlockUnits(doText: string, fileOffset: number): { units: SqlUnit[]; body: DoBlockBody } {
  const units: SqlUnit[] = [];
  const walk: PlpgsqlWalk = { statements: [], opaque: [] };
  walkPlpgsql(pgQuery().parsePlPgSQLSync(doText), { inDoBlock: true, handles: [], conditional: false }, walk);
  const body: DoBlockBody = { opaque: [...new Set(walk.opaque)] };
  let cursor = 0;
  for (const inner of walk.statements) {
    // A PERFORM's query is `SELECT <expression>`: the block holds `PERFORM <expression>`.
    const written = inner.performs ? inner.query.slice(PERFORM_QUERY_PREFIX.length) : inner.query;
    const at = doText.indexOf(written, cursor);
    const innerOffset = at >= 0 ? at : 0;
    if (at >= 0) cursor = at + written.length;
    // An inner statement the parser rejects makes the whole statement a parse error, which the
    // review reports: nothing inside a DO block is dropped unseen.
    if (!inner.performs) {
      units.push(...parseUnits(inner.query, fileOffset + innerOffset, inner.guards));
      continue;
    }
    // Parse-tree locations land on the expression; the statement starts at its PERFORM.
    const keyword = doText.slice(0, innerOffset).search(/perform\s*$/i);
    for (const unit of parseUnits(inner.query, fileOffset + innerOffset - PERFORM_QUERY_PREFIX.length, inner.guards)) {
      units.push({ ...unit, offset: fileOffset + (keyword >= 0 ? keyword : innerOffset) });
    }
  }
  return { units, body };
}

/** What PL/pgSQL puts before a PERFORM's expression to make its query. */
const PERFORM_QUERY_PREFIX = "SELECT ";

interface PlpgsqlWalk {
  /** Plain SQL statements, and PERFORMs as the SELECT PL/pgSQL runs (`performs`). */
  statements: { query: string; guards: BlockGuards; performs?: boolean }[];
  opaque: string[];
}

/** PL/pgSQL statements that hold no SQL of their own or only plain SQL the walk lists. */
const TRANSPARENT_PLPGSQL = new Set([
  "PLpgSQL_stmt_execsql",
  "PLpgSQL_stmt_block",
  "PLpgSQL_stmt_if",
  "PLpgSQL_stmt_return",
  "PLpgSQL_stmt_raise",
]);

/**
 * Walks a PL/pgSQL parse tree in the order of its text: each plain SQL statement with its guards
 * (exception handlers' included, so no rule misses them), and every other kind of statement.
 */
function walkPlpgsql(value: unknown, guards: BlockGuards, walk: PlpgsqlWalk): void {
  if (Array.isArray(value)) {
    for (const item of value) walkPlpgsql(item, guards, walk);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!isObject(child)) {
      walkPlpgsql(child, guards, walk);
      continue;
    }
    if (key.startsWith("PLpgSQL_stmt_") && !TRANSPARENT_PLPGSQL.has(key)) walk.opaque.push(key.slice(13));
    if (key === "PLpgSQL_stmt_execsql") {
      const query = stringField(objectField(objectField(child, "sqlstmt"), "PLpgSQL_expr"), "query");
      if (query) walk.statements.push({ query, guards });
    } else if (key === "PLpgSQL_stmt_perform") {
      // PERFORM f() is `SELECT f()` to the parser: the call is read (pg_advisory_unlock_all()),
      // and the block stays opaque (what f does is not).
      const query = stringField(objectField(objectField(child, "expr"), "PLpgSQL_expr"), "query");
      if (query?.startsWith(PERFORM_QUERY_PREFIX)) walk.statements.push({ query, guards, performs: true });
    } else if (key === "PLpgSQL_stmt_block") {
      const exceptionBlock = objectField(objectField(child, "exceptions"), "PLpgSQL_exception_block");
      const exceptions = arrayField(exceptionBlock, "exc_list").map((exception) =>
        objectField(exception as AstObject, "PLpgSQL_exception"),
      );
      const handles = exceptions.flatMap((exception) =>
        arrayField(exception, "conditions").map(
          (condition) => stringField(objectField(condition as AstObject, "PLpgSQL_condition"), "condname") ?? "",
        ),
      );
      walkPlpgsql(child["body"], { ...guards, handles: [...guards.handles, ...handles] }, walk);
      // A handler's statements run, like the body's, but only once the body fails (conditional),
      // and outside its own block's handlers: an error in a handler goes to the enclosing block.
      for (const exception of exceptions) walkPlpgsql(exception?.["action"], { ...guards, conditional: true }, walk);
    } else if (key === "PLpgSQL_stmt_if") {
      walkPlpgsql(child, { ...guards, conditional: true }, walk);
    } else {
      walkPlpgsql(child, guards, walk);
    }
  }
}

function sqlErrorCursor(error: unknown): number | undefined {
  if (!isObject(error)) return undefined;
  const cursor = objectField(error, "sqlDetails")?.["cursorPosition"];
  return typeof cursor === "number" ? cursor : undefined;
}
