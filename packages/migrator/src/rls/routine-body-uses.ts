/**
 * What a routine's body names, read with PostgreSQL's parsers from its definition
 * (`pg_get_functiondef`): the relations its statements read or write and the routines they call,
 * as written. `db:rls` asks it of code that runs as the table owner without being SECURITY
 * DEFINER (a trigger a foreign key's action fires): a body that names no relation and calls no
 * routine reads no other tenant's row. Nothing is guessed: a body in another language than
 * PL/pgSQL or SQL, SQL run from a string (`EXECUTE`), or a part the parsers reject is `unread`.
 */
import { arrayField, findNodes, isObject, nameList, nodeOf, stringField } from "../sql/ast.ts";
import { dynamicStatements } from "../sql/opaque-routines.ts";
import { parsableText } from "../sql/plpgsql-body.ts";
import { pgQuery } from "../sql/pg-query.ts";
import { errorMessage } from "../errors/error-message.ts";

/** The relations and routines a body names, `schema.name` where it qualifies them. */
export interface RoutineBodyUses {
  relations: string[];
  routines: string[];
  /** Why part of the body could not be read; absent when all of it was. */
  unread?: string;
}

/**
 * Every relation and called routine below a parse tree, qualified as written: each `RangeVar`
 * and each `FuncCall`, wrapped as a node (`FROM t`, `f(x)`) or not (the target of an INSERT,
 * UPDATE, DELETE or MERGE, the call of a CALL), told by its `relname` and `funcname` fields.
 */
function namesIn(tree: unknown, uses: { relations: Set<string>; routines: Set<string> }): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isObject(node)) return;
    const relation = stringField(node, "relname");
    if (relation !== undefined) {
      const schema = stringField(node, "schemaname");
      uses.relations.add(schema ? `${schema}.${relation}` : relation);
    }
    const routine = nameList(node["funcname"]).join(".");
    if (routine) uses.routines.add(routine);
    for (const child of Object.values(node)) visit(child);
  };
  visit(tree);
}

/** A part of a body that is not read, with why. */
class UnreadBody extends Error {}

/** The statements of a PL/pgSQL definition, each parsed; throws on any part that cannot be read. */
function plpgsqlTrees(definition: string): unknown[] {
  const parsed = pgQuery().parsePlPgSQLSync(definition);
  const dynamic = dynamicStatements(parsed);
  if (dynamic.length > 0) throw new UnreadBody(`it runs SQL from strings (${dynamic.join(", ")})`);
  const trees: unknown[] = [];
  for (const { body: expression } of findNodes(parsed, "PLpgSQL_expr")) {
    const query = stringField(expression, "query");
    const mode = typeof expression["parseMode"] === "number" ? expression["parseMode"] : 0;
    const text = query === undefined ? undefined : parsableText(query, mode);
    if (text === undefined) continue;
    trees.push(pgQuery().parseSync(text));
  }
  return trees;
}

/** The statements of a SQL-language definition: a `BEGIN ATOMIC` body as parsed, else its `AS '…'` string parsed. */
function sqlTrees(definition: string): unknown[] {
  const tree = pgQuery().parseSync(definition);
  const [statement] = arrayField(isObject(tree) ? tree : undefined, "stmts");
  const create = nodeOf(isObject(statement) ? statement["stmt"] : undefined, "CreateFunctionStmt");
  if (!create) throw new UnreadBody("its definition is not a CREATE FUNCTION");
  if (create["sql_body"] !== undefined) return [create["sql_body"]];
  const as = arrayField(create, "options")
    .map((option) => nodeOf(option, "DefElem"))
    .find((option) => stringField(option, "defname") === "as");
  const [source] = nameList(nodeOf(as?.["arg"], "List")?.["items"]);
  if (source === undefined) throw new UnreadBody("its body is not SQL text");
  return [pgQuery().parseSync(source)];
}

/**
 * The relations and routines a routine's body names.
 *
 * @example routineBodyUses(definition, "plpgsql") // { relations: ["plan_step", "research_plan"], routines: ["count", "string_agg"] }
 */
export function routineBodyUses(definition: string, language: string): RoutineBodyUses {
  const uses = { relations: new Set<string>(), routines: new Set<string>() };
  let unread: string | undefined;
  try {
    if (language === "plpgsql") for (const tree of plpgsqlTrees(definition)) namesIn(tree, uses);
    else if (language === "sql") for (const tree of sqlTrees(definition)) namesIn(tree, uses);
    else unread = `it is written in ${language}, which is not read`;
  } catch (error) {
    unread =
      error instanceof UnreadBody ? error.message : `PostgreSQL's parser rejects part of it (${errorMessage(error)})`;
  }
  return {
    relations: [...uses.relations].sort(),
    routines: [...uses.routines].sort(),
    ...(unread === undefined ? {} : { unread }),
  };
}
