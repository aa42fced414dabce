/**
 * The routines a migration creates, as it creates them, and the ones a statement calls. A routine's
 * body runs when a statement of the migration calls it (`SELECT wipe()`, `PERFORM wipe()` in a DO
 * block, `CALL p()`), not when it is created: parse-migration.ts reads the body of each one called
 * into statements (units) of the calling statement. A routine never called in the migration (a
 * trigger function, a helper for the application) adds nothing.
 */
import { type AstObject, arrayField, findNodes, nameList, nodeOf, objectField, stringField } from "./ast.ts";
import { routineDefinition, routineLanguage, routineTarget } from "./opaque-routines.ts";
import type { BlockGuards, SqlUnit } from "./parse-migration.ts";
import { pgQuery } from "./pg-query.ts";
import { type PlpgsqlStatement, walkPlpgsql } from "./plpgsql-walk.ts";
import { sqlTokens } from "./tokens.ts";

/** One overload of a routine the migration created. */
export interface CreatedRoutine {
  name: string;
  /** Its name and argument types (`f(pg_catalog.int4)`): a later `CREATE OR REPLACE` of it replaces it. */
  signature: string;
  /** Its `CREATE FUNCTION`/`CREATE PROCEDURE` statement. */
  unit: SqlUnit;
}

/**
 * Statements that run the routines they call as they run: queries and `CALL`. A DDL statement's
 * expressions are not followed: a policy's, a view's or a trigger's run later, a new table's
 * defaults have no rows to run for, and an index's or a generated column's must be immutable
 * functions, which change nothing (a volatile default of a column added to a table with rows, or
 * a CHECK calling a routine, is the exception left out).
 */
const CALLING_STATEMENTS = new Set([
  "SelectStmt",
  "InsertStmt",
  "UpdateStmt",
  "DeleteStmt",
  "MergeStmt",
  "CallStmt",
  "CreateTableAsStmt",
]);

/** The `DROP` kinds that can drop a routine. */
const ROUTINE_DROPS = new Set(["OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"]);

/** The routines a migration has created so far, by name. */
export class CreatedRoutines {
  readonly #byName = new Map<string, CreatedRoutine[]>();

  /** Takes in what a statement does to the migration's routines: creates (or replaces) one, or drops some. */
  record(unit: SqlUnit): void {
    const definition = routineDefinition(unit);
    if (definition) {
      const { name, signature } = definition;
      const others = (this.#byName.get(name) ?? []).filter((routine) => routine.signature !== signature);
      this.#byName.set(name, [...others, { name, signature, unit }]);
      return;
    }
    if (unit.type !== "DropStmt" || !ROUTINE_DROPS.has(stringField(unit.node, "removeType") ?? "")) return;
    for (const object of arrayField(unit.node, "objects")) {
      const target = routineTarget(object);
      const overloads = target && this.#byName.get(target.name);
      if (!target || !overloads) continue;
      const left = overloads.filter(
        (routine) => target.signature !== undefined && routine.signature !== target.signature,
      );
      this.#byName.set(target.name, left);
    }
  }

  /** Whether the migration has created a routine so far (else no statement calls one of its). */
  get any(): boolean {
    return this.#byName.size > 0;
  }

  /** Every overload of `name` created so far: a call is matched by name, so all of them rather than a guess. */
  named(name: string): readonly CreatedRoutine[] {
    return this.#byName.get(name) ?? [];
  }
}

/** The names (without schema) of the routines a statement calls as it runs; none for a DDL statement. */
export function calledRoutineNames(unit: Pick<SqlUnit, "type" | "node">): string[] {
  if (!CALLING_STATEMENTS.has(unit.type)) return [];
  const calls = findNodes(unit.node, "FuncCall").map(({ body }) => body);
  const call = unit.type === "CallStmt" ? objectField(unit.node, "funccall") : undefined;
  if (call) calls.push(call);
  return [...new Set(calls.flatMap((body) => nameList(body["funcname"]).slice(-1)))];
}

/**
 * What a routine's body runs, with `guards` (those of the call, `inDoBlock` set) around it: a
 * PL/pgSQL body's statements and expressions, as a DO block's are read; a `LANGUAGE sql` body
 * (`AS $$ … $$` or `BEGIN ATOMIC … END`) as one piece of SQL. Nothing for a body the parsers
 * reject (PostgreSQL refuses its `CREATE` then) or in another language.
 */
export function routineBody(routine: CreatedRoutine, guards: BlockGuards): PlpgsqlStatement[] {
  const { node, text } = routine.unit;
  const language = routineLanguage(node);
  if (language === "plpgsql") {
    try {
      return walkPlpgsql(pgQuery().parsePlPgSQLSync(text), guards).statements;
    } catch {
      return [];
    }
  }
  if (language !== "sql" && node["sql_body"] === undefined) return [];
  const query = node["sql_body"] === undefined ? stringBody(node) : atomicBody(text);
  return query === undefined ? [] : [{ kind: "sql", query, parseMode: 0, guards }];
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
