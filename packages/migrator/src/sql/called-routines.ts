/**
 * The routines a migration creates, as it creates them, and the ones a statement calls. A routine's
 * body runs when a statement of the migration calls it (`SELECT wipe()`, `PERFORM wipe()` in a DO
 * block, `CALL p()`), not when it is created: parse-migration.ts reads the body of each one called
 * into statements (units) of the calling statement. A routine never called in the migration (a
 * trigger function, a helper for the application) adds nothing. The routines earlier migrations
 * created (the replayed schema's) are called the same way: the migration starts with them, and with
 * the queries they prepared (the runner runs every migration in one session).
 */
import {
  type AstObject,
  arrayField,
  findNodes,
  nameList,
  nodeOf,
  objectField,
  optionOn,
  stringField,
  unwrap,
} from "./ast.ts";
import { routineLanguage } from "./opaque-routines.ts";
import { applyRoutineStatement, type RoutineIdentity, type RoutineStore } from "./routine-overloads.ts";
import type { BlockGuards, SqlUnit } from "./sql-unit.ts";
import { pgQuery } from "./pg-query.ts";
import { type PlpgsqlStatement, walkPlpgsql } from "./plpgsql-walk.ts";
import { type SqlToken, sqlTokens } from "./tokens.ts";

/**
 * One overload of a routine a call may run: one the migration created, or one an earlier migration
 * did. Its schema and signature (`f(int4)`) identify it: a later `CREATE OR REPLACE` of them replaces it.
 */
export interface CreatedRoutine extends RoutineIdentity {
  /**
   * Its `CREATE FUNCTION`/`CREATE PROCEDURE` statement: the text, and the tree when this migration
   * parsed it (an earlier migration's routine is kept as text, and parsed when it is called).
   */
  create: { text: string; node?: AstObject };
  /** For an earlier migration's routine: where its `CREATE` is (`file:line`). */
  createdIn?: string;
}

/**
 * A routine an earlier migration created, as the replayed schema keeps it (the last `CREATE OR
 * REPLACE` of its signature, under its last name): a call in a later migration runs its body.
 */
export interface EarlierRoutine extends RoutineIdentity {
  /** Its `CREATE FUNCTION`/`CREATE PROCEDURE` statement. */
  text: string;
  /** The migration file of that statement… */
  createdIn: string;
  /** …and its line. */
  line: number;
}

/**
 * Statements that run the routines they call as they run: queries, `CALL` and `COPY` (its query,
 * or the `WHERE` of a `COPY … FROM`). `EXPLAIN ANALYZE` runs its query and `EXECUTE` its prepared
 * one; of an `ALTER TABLE` only the expressions that run on the table's existing rows
 * ({@link rowExpressions}). Other DDL statements' expressions are not followed: a policy's, a
 * view's or a trigger's run later, a new table's defaults have no rows to run for, and an index's
 * or a generated column's must be immutable functions, which change nothing.
 * `REFRESH MATERIALIZED VIEW` runs the view's query, which the review does not keep: a view
 * created `WITH NO DATA` is followed at its `CREATE` instead.
 */
const CALLING_STATEMENTS = new Set([
  "SelectStmt",
  "InsertStmt",
  "UpdateStmt",
  "DeleteStmt",
  "MergeStmt",
  "CallStmt",
  "CreateTableAsStmt",
  "CopyStmt",
]);

/**
 * A routine a statement calls: its name, and the schema the call names (`s.f()`); a call without
 * one may run any schema's routine of the name (the review does not follow `search_path`).
 */
export interface CalledRoutine {
  schema?: string;
  name: string;
}

/**
 * The routines a migration can call so far, by name: those earlier migrations created (`earlier`)
 * as this one has replaced, renamed or dropped them, and those it created; and the queries it can
 * execute: those earlier migrations prepared (`earlierPrepared`, by name, the `PREPARE`'s text) and
 * it has not deallocated, and those it prepared.
 */
export class CreatedRoutines {
  /** The names this migration has looked up or changed, with their overloads as they stand now. */
  readonly #byName = new Map<string, readonly CreatedRoutine[]>();
  /** `PREPARE name AS query`: what `EXECUTE name` runs (undefined once deallocated, or for no such query). */
  readonly #prepared = new Map<string, AstObject | undefined>();
  /** Whether a `DEALLOCATE ALL` has run: no earlier migration's prepared query is left. */
  #deallocatedAll = false;
  readonly #earlier: ReadonlyMap<string, readonly EarlierRoutine[]>;
  readonly #earlierPrepared: ReadonlyMap<string, string>;
  readonly #store: RoutineStore<CreatedRoutine> = {
    overloads: (name) => this.#overloads(name),
    replace: (name, overloads) => this.#byName.set(name, overloads),
  };
  /**
   * The earlier migrations' routines looked up so far, by name, as found (none for a name they did
   * not create): beside the migration's text, what its units depend on.
   */
  readonly consulted = new Map<string, readonly EarlierRoutine[]>();
  /** Likewise, the earlier migrations' prepared queries looked up, by name: the `PREPARE`'s text, or undefined for none. */
  readonly consultedPrepared = new Map<string, string | undefined>();

  constructor(
    earlier: ReadonlyMap<string, readonly EarlierRoutine[]> = new Map(),
    earlierPrepared: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#earlier = earlier;
    this.#earlierPrepared = earlierPrepared;
  }

  /**
   * Takes in what a statement does to the migration's routines (creates or replaces one, drops,
   * renames or moves some: routine-overloads.ts) and to its prepared queries (`PREPARE`, `DEALLOCATE`).
   */
  record(unit: SqlUnit): void {
    if (applyRoutineStatement(this.#store, unit, (routine) => ({ ...routine, create: unit }))) return;
    if (unit.type === "PrepareStmt") {
      const name = stringField(unit.node, "name");
      const query = objectField(unit.node, "query");
      if (name !== undefined && query) this.#prepared.set(name, query);
    } else if (unit.type === "DeallocateStmt") {
      const name = stringField(unit.node, "name");
      if (name !== undefined) this.#prepared.set(name, undefined);
      else if (unit.node["isall"] === true) {
        this.#prepared.clear();
        this.#deallocatedAll = true;
      }
    }
  }

  /** The overloads of `name` now: the migration's own view of it, else the earlier migrations' (looked up once). */
  #overloads(name: string): readonly CreatedRoutine[] {
    const own = this.#byName.get(name);
    if (own) return own;
    const earlier = this.#earlier.get(name) ?? [];
    this.consulted.set(name, earlier);
    if (earlier.length === 0) return [];
    const overloads = earlier.map((routine): CreatedRoutine => ({
      schema: routine.schema,
      name: routine.name,
      signature: routine.signature,
      create: routine,
      createdIn: `${routine.createdIn}:${routine.line}`,
    }));
    this.#byName.set(name, overloads);
    return overloads;
  }

  /** The query `EXECUTE name` runs now: the migration's own `PREPARE`, else an earlier migration's (looked up once). */
  #preparedQuery(name: string): AstObject | undefined {
    if (this.#prepared.has(name) || this.#deallocatedAll) return this.#prepared.get(name);
    const text = this.#earlierPrepared.get(name);
    this.consultedPrepared.set(name, text);
    const query = text === undefined ? undefined : preparedQuery(text);
    this.#prepared.set(name, query);
    return query;
  }

  /** Whether an earlier migration or this one has created a routine so far (else no statement calls one). */
  get any(): boolean {
    return this.#earlier.size > 0 || this.#byName.size > 0;
  }

  /**
   * Every overload a call may run: of its schema when it names one, else of every schema (a call
   * is matched by name, so all of them rather than a guess).
   */
  named(call: CalledRoutine): readonly CreatedRoutine[] {
    const overloads = this.#overloads(call.name);
    return call.schema === undefined ? overloads : overloads.filter((routine) => routine.schema === call.schema);
  }

  /** The routines a statement calls as it runs, each once; none for most DDL statements. */
  calledBy(unit: Pick<SqlUnit, "type" | "node">): CalledRoutine[] {
    const calls = runExpressions(unit, (name) => this.#preparedQuery(name)).flatMap((value) =>
      findNodes(value, "FuncCall"),
    );
    const bodies = calls.map(({ body }) => body);
    const call = unit.type === "CallStmt" ? objectField(unit.node, "funccall") : undefined;
    if (call) bodies.push(call);
    const called = new Map<string, CalledRoutine>();
    for (const body of bodies) {
      const names = nameList(body["funcname"]);
      const name = names.at(-1);
      const schema = names.at(-2);
      if (name !== undefined)
        called.set(JSON.stringify([schema, name]), schema === undefined ? { name } : { schema, name });
    }
    return [...called.values()];
  }
}

/** The query of a `PREPARE name AS query` statement's text (PostgreSQL ran it: it parses). */
function preparedQuery(text: string): AstObject | undefined {
  const statement = unwrap(pgQuery().parseSync(text).stmts?.[0]?.stmt);
  return statement?.type === "PrepareStmt" ? objectField(statement.body, "query") : undefined;
}

/** What of a statement runs as it runs, for the calls in it: see {@link CALLING_STATEMENTS}. */
function runExpressions(
  unit: Pick<SqlUnit, "type" | "node">,
  prepared: (name: string) => AstObject | undefined,
): unknown[] {
  if (CALLING_STATEMENTS.has(unit.type)) return [unit.node];
  if (unit.type === "ExplainStmt")
    return optionOn(arrayField(unit.node, "options"), "analyze") ? [unit.node["query"]] : [];
  if (unit.type === "ExecuteStmt") return [prepared(stringField(unit.node, "name") ?? ""), unit.node["params"]];
  if (unit.type === "AlterTableStmt") return arrayField(unit.node, "cmds").flatMap(rowExpressions);
  return [];
}

/**
 * The expressions of an `ALTER TABLE` command that run on the table's existing rows: a new
 * column's default (for every row, or once) and checks, a check constraint's expression (unless
 * `NOT VALID`), and an `ALTER COLUMN … TYPE`'s `USING`.
 */
function rowExpressions(command: unknown): unknown[] {
  const cmd = nodeOf(command, "AlterTableCmd");
  const subtype = stringField(cmd, "subtype");
  if (subtype === "AT_AddColumn") {
    return arrayField(nodeOf(cmd?.["def"], "ColumnDef"), "constraints").flatMap((item) =>
      validatedExpression(nodeOf(item, "Constraint"), ["CONSTR_DEFAULT", "CONSTR_CHECK"]),
    );
  }
  if (subtype === "AT_AddConstraint") return validatedExpression(nodeOf(cmd?.["def"], "Constraint"), ["CONSTR_CHECK"]);
  if (subtype === "AT_AlterColumnType") return [nodeOf(cmd?.["def"], "ColumnDef")?.["raw_default"]];
  return [];
}

/** A constraint's expression when it is one of `kinds` and runs on the existing rows (not `NOT VALID`). */
function validatedExpression(constraint: AstObject | undefined, kinds: string[]): unknown[] {
  if (!kinds.includes(stringField(constraint, "contype") ?? "") || constraint?.["skip_validation"] === true) return [];
  return [constraint?.["raw_expr"]];
}

/** The guards of a body's statements before a call's are added: in a routine, unguarded. */
const IN_BODY: BlockGuards = { inDoBlock: true, handles: [], conditional: false };

/**
 * A statement of a SQL-standard body (`RETURN …`, `BEGIN ATOMIC … END`), as PostgreSQL parsed it
 * with the `CREATE`: its tree, and its text where the body's tokens give it (else the body's).
 */
interface ParsedBodyStatement {
  kind: "parsed";
  type: string;
  node: AstObject;
  text: string;
  guards: BlockGuards;
}

/** One statement a routine's body runs: as PL/pgSQL's walk (or a string body's text) gives it, or parsed. */
export type BodyStatement = PlpgsqlStatement | ParsedBodyStatement;

/**
 * Each routine's body, read once (its `CREATE` statement is the key, which a rename keeps): once per
 * migration for the migration's own, once per run for an earlier one's (the replayed schema keeps it).
 */
const bodies = new WeakMap<CreatedRoutine["create"], BodyStatement[]>();

/**
 * What a routine's body runs, with `guards` (those of the call) around it: a PL/pgSQL body's
 * statements and expressions, as a DO block's are read; a `LANGUAGE sql` body as one piece of SQL
 * (`AS $$ … $$`) or as PostgreSQL parsed it (`RETURN …`, `BEGIN ATOMIC … END`). Nothing for a body
 * in another language. Throws what the parsers throw for a body they reject: the calling
 * statement cannot be reviewed then (parse-error), which is not a body that does nothing; the
 * `RangeError` of a body nested deeper than the parser's stack, or read so deep in a chain of
 * calls that the stack runs out, likewise.
 */
export function routineBody(routine: CreatedRoutine, guards: BlockGuards): BodyStatement[] {
  let body = bodies.get(routine.create);
  if (!body) {
    body = readBody(routine.create);
    bodies.set(routine.create, body);
  }
  return body.map((statement) => ({
    ...statement,
    guards: {
      inDoBlock: true,
      handles: [...guards.handles, ...statement.guards.handles],
      conditional: guards.conditional || statement.guards.conditional,
    },
  }));
}

/** The statements of a routine's body under {@link IN_BODY} guards; see {@link routineBody}. */
function readBody({ text, node = createNode(text) }: CreatedRoutine["create"]): BodyStatement[] {
  const language = routineLanguage(node);
  if (language === "plpgsql") return walkPlpgsql(pgQuery().parsePlPgSQLSync(text), IN_BODY).statements;
  if (node["sql_body"] !== undefined) return standardBody(text, node["sql_body"]);
  if (language !== "sql") return [];
  const query = stringBody(node);
  return query === undefined ? [] : [{ kind: "sql", query, parseMode: 0, guards: IN_BODY }];
}

/** The tree of a routine's `CREATE` statement kept as text (PostgreSQL ran it: it parses, unless too deep). */
function createNode(text: string): AstObject {
  const statement = unwrap(pgQuery().parseSync(text).stmts?.[0]?.stmt);
  if (statement?.type !== "CreateFunctionStmt") throw new Error("its CREATE statement is not a CREATE FUNCTION");
  return statement.body;
}

/** The body of `AS '…'` / `AS $$ … $$`. */
function stringBody(node: AstObject): string | undefined {
  const as = arrayField(node, "options")
    .map((option) => nodeOf(option, "DefElem"))
    .find((option) => stringField(option, "defname") === "as");
  const [body] = arrayField(nodeOf(as?.["arg"], "List"), "items");
  return stringField(nodeOf(body, "String"), "sval");
}

/**
 * The statements of a SQL-standard body from its tree (`sql_body`): `RETURN expression` alone, or
 * each statement of `BEGIN ATOMIC … END`, a `RETURN` in it included. A `RETURN` runs its
 * expression as `SELECT expression` does.
 */
function standardBody(text: string, sqlBody: unknown): ParsedBodyStatement[] {
  const returned = nodeOf(sqlBody, "ReturnStmt");
  const statements = returned
    ? [{ type: "ReturnStmt", body: returned }]
    : arrayField(nodeOf(arrayField(nodeOf(sqlBody, "List"), "items")[0], "List"), "items").flatMap(
        (item) => unwrap(item) ?? [],
      );
  const texts = standardBodyTexts(text, returned !== undefined, statements.length);
  return statements.map(({ type, body }, i) => ({
    kind: "parsed",
    ...(type === "ReturnStmt"
      ? { type: "SelectStmt", node: { targetList: [{ ResTarget: { val: body["returnval"] } }] } }
      : { type, node: body }),
    text: texts[i] ?? text,
    guards: IN_BODY,
  }));
}

/**
 * The texts of a SQL-standard body's `count` statements, as its tokens split them: after the last
 * top-level `RETURN` (`returnOnly`), else between `BEGIN ATOMIC` and the last `END` at each
 * top-level `;`. None when they do not split into `count` (the texts are only shown: the trees are read).
 */
function standardBodyTexts(text: string, returnOnly: boolean, count: number): string[] {
  let tokens: SqlToken[];
  try {
    tokens = sqlTokens(text).filter((token) => !token.comment);
  } catch {
    return [];
  }
  const pieces: SqlToken[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === "(") depth++;
    else if (token.text === ")") depth--;
    if (depth === 0 && token.text === ";") pieces.push([]);
    else pieces.at(-1)?.push(token);
  }
  const [all = []] = pieces;
  const piece = (from: SqlToken[]) => (from.length === 0 ? "" : text.slice(from[0]?.start, from.at(-1)?.end));
  if (returnOnly) {
    const at = all.findLastIndex((token) => token.keyword === "RETURN");
    return at < 0 ? [] : [piece(all.slice(at))];
  }
  const begin = all.findIndex((token, i) => token.keyword === "BEGIN" && all[i + 1]?.keyword === "ATOMIC");
  if (begin < 0) return [];
  const body = [all.slice(begin + 2), ...pieces.slice(1)].filter((statement) => statement.length > 0);
  if (body.at(-1)?.at(-1)?.keyword === "END") body.push(body.pop()?.slice(0, -1) ?? []);
  const statements = body.map(piece).filter((statement) => statement !== "");
  return statements.length === count ? statements : [];
}
