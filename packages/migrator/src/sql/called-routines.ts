/**
 * The routines a migration creates, as it creates them, and the ones a statement calls. A routine's
 * body runs when a statement of the migration calls it (`SELECT wipe()`, `PERFORM wipe()` in a DO
 * block, `CALL p()`), not when it is created: parse-migration.ts reads the body of each one called
 * into statements (units) of the calling statement. A routine never called in the migration (a
 * trigger function, a helper for the application) adds nothing. The routines earlier migrations
 * created (the replayed schema's) are called the same way: the migration starts with them.
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
import { routineDefinition, routineLanguage, routineTarget } from "./opaque-routines.ts";
import type { BlockGuards, SqlUnit } from "./sql-unit.ts";
import { pgQuery } from "./pg-query.ts";
import { type PlpgsqlStatement, walkPlpgsql } from "./plpgsql-walk.ts";
import { sqlTokens } from "./tokens.ts";

/** One overload of a routine a call may run: one the migration created, or one an earlier migration did. */
export interface CreatedRoutine {
  name: string;
  /** Its name and argument types (`f(pg_catalog.int4)`): a later `CREATE OR REPLACE` of it replaces it. */
  signature: string;
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
export interface EarlierRoutine {
  name: string;
  /** As {@link CreatedRoutine}'s. */
  signature: string;
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

/** The `DROP` and `ALTER … RENAME` kinds that name a routine. */
const ROUTINE_OBJECTS = new Set(["OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"]);

/**
 * The routines a migration can call so far, by name: those earlier migrations created (`earlier`)
 * as this one has replaced, renamed or dropped them, and those it created; and the queries it has
 * prepared.
 */
export class CreatedRoutines {
  /** The names this migration has looked up or changed, with their overloads as they stand now. */
  readonly #byName = new Map<string, CreatedRoutine[]>();
  /** `PREPARE name AS query`: what `EXECUTE name` runs. */
  readonly #prepared = new Map<string, AstObject>();
  readonly #earlier: ReadonlyMap<string, readonly EarlierRoutine[]>;
  /**
   * The earlier migrations' routines looked up so far, by name, as found (none for a name they did
   * not create): beside the migration's text, what its units depend on.
   */
  readonly consulted = new Map<string, readonly EarlierRoutine[]>();

  constructor(earlier: ReadonlyMap<string, readonly EarlierRoutine[]> = new Map()) {
    this.#earlier = earlier;
  }

  /**
   * Takes in what a statement does to the migration's routines (creates or replaces one, drops
   * or renames some) and to its prepared queries (`PREPARE`, `DEALLOCATE`).
   */
  record(unit: SqlUnit): void {
    const definition = routineDefinition(unit);
    if (definition) {
      const { name, signature } = definition;
      this.#add({ name, signature, create: unit });
      return;
    }
    const kind = stringField(unit.node, unit.type === "RenameStmt" ? "renameType" : "removeType") ?? "";
    if (unit.type === "DropStmt" && ROUTINE_OBJECTS.has(kind)) {
      for (const object of arrayField(unit.node, "objects")) this.#take(routineTarget(object));
    } else if (unit.type === "RenameStmt" && ROUTINE_OBJECTS.has(kind)) {
      // ALTER … SET SCHEMA changes nothing here: calls are matched by name.
      const name = stringField(unit.node, "newname");
      if (name === undefined) return;
      for (const routine of this.#take(routineTarget(unit.node["object"])))
        this.#add({ ...routine, name, signature: name + routine.signature.slice(routine.name.length) });
    } else if (unit.type === "PrepareStmt") {
      const name = stringField(unit.node, "name");
      const query = objectField(unit.node, "query");
      if (name !== undefined && query) this.#prepared.set(name, query);
    } else if (unit.type === "DeallocateStmt") {
      const name = stringField(unit.node, "name");
      if (name === undefined) this.#prepared.clear();
      else this.#prepared.delete(name);
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
      name: routine.name,
      signature: routine.signature,
      create: routine,
      createdIn: `${routine.createdIn}:${routine.line}`,
    }));
    this.#byName.set(name, overloads);
    return overloads;
  }

  /** Adds a routine, in place of the overload of the same signature. */
  #add(routine: CreatedRoutine): void {
    const others = this.#overloads(routine.name).filter((other) => other.signature !== routine.signature);
    this.#byName.set(routine.name, [...others, routine]);
  }

  /** Takes out the overloads a `DROP` or `RENAME` names (every one of the name without arguments) and returns them. */
  #take(target: { name: string; signature?: string } | undefined): CreatedRoutine[] {
    const overloads = target && this.#overloads(target.name);
    if (!target || !overloads || overloads.length === 0) return [];
    const named = (routine: CreatedRoutine) => target.signature === undefined || routine.signature === target.signature;
    this.#byName.set(
      target.name,
      overloads.filter((routine) => !named(routine)),
    );
    return overloads.filter(named);
  }

  /** Whether an earlier migration or this one has created a routine so far (else no statement calls one). */
  get any(): boolean {
    return this.#earlier.size > 0 || this.#byName.size > 0;
  }

  /** Every overload of `name` there is so far: a call is matched by name, so all of them rather than a guess. */
  named(name: string): readonly CreatedRoutine[] {
    return this.#overloads(name);
  }

  /** The names (without schema) of the routines a statement calls as it runs; none for most DDL statements. */
  calledBy(unit: Pick<SqlUnit, "type" | "node">): string[] {
    const calls = runExpressions(unit, this.#prepared).flatMap((value) => findNodes(value, "FuncCall"));
    const bodies = calls.map(({ body }) => body);
    const call = unit.type === "CallStmt" ? objectField(unit.node, "funccall") : undefined;
    if (call) bodies.push(call);
    return [...new Set(bodies.flatMap((body) => nameList(body["funcname"]).slice(-1)))];
  }
}

/** What of a statement runs as it runs, for the calls in it: see {@link CALLING_STATEMENTS}. */
function runExpressions(unit: Pick<SqlUnit, "type" | "node">, prepared: ReadonlyMap<string, AstObject>): unknown[] {
  if (CALLING_STATEMENTS.has(unit.type)) return [unit.node];
  if (unit.type === "ExplainStmt")
    return optionOn(arrayField(unit.node, "options"), "analyze") ? [unit.node["query"]] : [];
  if (unit.type === "ExecuteStmt") return [prepared.get(stringField(unit.node, "name") ?? ""), unit.node["params"]];
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
 * Each routine's body, read once (its `CREATE` statement is the key, which a rename keeps): once per
 * migration for the migration's own, once per run for an earlier one's (the replayed schema keeps it).
 */
const bodies = new WeakMap<CreatedRoutine["create"], PlpgsqlStatement[]>();

/**
 * What a routine's body runs, with `guards` (those of the call) around it: a PL/pgSQL body's
 * statements and expressions, as a DO block's are read; a `LANGUAGE sql` body (`AS $$ … $$` or
 * `BEGIN ATOMIC … END`) as one piece of SQL. Nothing for a body the parsers reject (PostgreSQL
 * refuses its `CREATE` then) or in another language. Throws the `RangeError` of a body nested
 * deeper than the parser's stack, or read so deep in a chain of calls that the stack runs out:
 * the calling statement cannot be reviewed then (parse-error), which is not a body that does nothing.
 */
export function routineBody(routine: CreatedRoutine, guards: BlockGuards): PlpgsqlStatement[] {
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
function readBody({ text, node = createNode(text) }: CreatedRoutine["create"]): PlpgsqlStatement[] {
  if (!node) return [];
  const language = routineLanguage(node);
  if (language === "plpgsql") {
    try {
      return walkPlpgsql(pgQuery().parsePlPgSQLSync(text), IN_BODY).statements;
    } catch (error) {
      if (error instanceof RangeError) throw error;
      return [];
    }
  }
  if (language !== "sql" && node["sql_body"] === undefined) return [];
  const query = node["sql_body"] === undefined ? stringBody(node) : atomicBody(text);
  return query === undefined ? [] : [{ kind: "sql", query, parseMode: 0, guards: IN_BODY }];
}

/** The tree of a routine's `CREATE` statement kept as text (PostgreSQL ran it: it parses, unless too deep). */
function createNode(text: string): AstObject | undefined {
  let statement;
  try {
    statement = unwrap(pgQuery().parseSync(text).stmts?.[0]?.stmt);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return undefined;
  }
  return statement?.type === "CreateFunctionStmt" ? statement.body : undefined;
}

/** The body of `AS '…'` / `AS $$ … $$`. */
function stringBody(node: AstObject): string | undefined {
  const as = arrayField(node, "options")
    .map((option) => nodeOf(option, "DefElem"))
    .find((option) => stringField(option, "defname") === "as");
  const [body] = arrayField(nodeOf(as?.["arg"], "List"), "items");
  return stringField(nodeOf(body, "String"), "sval");
}

/** The statements between `BEGIN ATOMIC` and the `END` that closes a routine's text. */
function atomicBody(text: string): string | undefined {
  let tokens;
  try {
    tokens = sqlTokens(text).filter((token) => !token.comment);
  } catch {
    return undefined;
  }
  const begin = tokens.findIndex((token, i) => token.keyword === "BEGIN" && tokens[i + 1]?.keyword === "ATOMIC");
  const atomic = tokens[begin + 1];
  const end = tokens.at(-1);
  if (begin < 0 || !atomic || end?.keyword !== "END") return undefined;
  return text.slice(atomic.end, end.start);
}
