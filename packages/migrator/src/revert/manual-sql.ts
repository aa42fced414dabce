/**
 * The hand-written part of a migration, which no snapshot records: statements Drizzle Kit would
 * not have generated (extensions, custom indexes, grants, role blocks …). For each one `db:revert`
 * either derives the reverse, decides nothing needs undoing, or leaves a TODO for a person.
 * Each statement is read by PostgreSQL's own parser (`sql/parse-migration.ts`) and classified by its
 * parse-tree node; anything not recognised becomes a TODO, so a gap here makes the revert stricter,
 * never silently incomplete.
 */
import { arrayField, type AstObject, nameList, nodeOf, objectField, stringField } from "../sql/ast.ts";
import { canonicalStatements, canonicalUnit } from "../sql/canonical-sql.ts";
import { parseMigration, type ReviewStatement, type SqlUnit } from "../sql/parse-migration.ts";
import { withoutCommentLines } from "../sql/comments.ts";
import { qualifiedIdent, quoteIdent } from "../sql/quote-ident.ts";
import type { SnapshotNames } from "../snapshot/snapshot-objects.ts";
import { type EarlierKind, EarlierObjects, partKey, setsSearchPathIn } from "./earlier-objects.ts";

/** The marker `db:review` (rule `unfinished-revert`) fails on until a person replaces the block. */
export const REVERT_TODO_MARKER = "-- TODO(db:revert):";

/** A statement of the reverting migration, with the comment lines written above it. */
export interface RevertStatement {
  sql: string;
  comments: string[];
  /** Set when the statement drops data or cannot bring data back; also written as a comment. */
  dataLoss?: string;
  /** Set when the statement changes who can read or write rows (access-changes.ts); also written as a comment. */
  accessChange?: string;
  /**
   * A db:review finding on it that the revert itself explains (the table rewrite of an enum's
   * round trip through text), acknowledged in the file when that rule reports the statement.
   */
  acknowledge?: { rule: string; why: string };
}

/** A hand-written statement whose reverse a person must write. */
export interface RevertTodo {
  /** What a person must write, e.g. "restore the privileges the REVOKE removed". */
  message: string;
  /** The original statement and where it is (`0003_x.sql:40`). */
  statement: string;
  location: string;
  /** What the statement destroyed that no revert brings back, when it did (`markTodoLoss`). */
  dataLoss?: string;
}

/** What `db:revert` makes of the hand-written statements of the migration it reverts. */
export interface ManualReverse {
  /** Reverses that must run before the generated drops (they depend on the dropped objects). */
  before: RevertStatement[];
  /** Reverses that must run after them (extensions the dropped columns used). */
  after: RevertStatement[];
  todos: RevertTodo[];
  /** Hand-written statements that need no reverse, with the reason (shown in the file). */
  notes: string[];
  /** Objects the hand-written statements touch (`extension "vector"`, `index "i" on "t"`). */
  touched: { label: string; parent?: string }[];
}

/** What the classifier needs to know about the migration being reverted (the parser must be loaded). */
export interface ManualSqlContext {
  /** File name of the migration (for locations). */
  file: string;
  /** Its SQL text. */
  sql: string;
  /** What Drizzle Kit generates for the migration from its snapshots (covered statements). */
  generated: string[];
  /** Names in the snapshot after the migration (tables keyed `"t"`, or `"s"."t"` outside `public`). */
  after: SnapshotNames;
  /** Names in the snapshot before it: what was there already, which a restating statement must not undo. */
  before: SnapshotNames;
  /** Tables the revert drops (their grants, indexes and policies go with them), keyed as in `after`. */
  droppedTables: Set<string>;
  /** SQL text of the migrations before this one (what they created is kept). */
  earlierSql: { file: string; sql: string }[];
}

type Touched = { label: string; parent?: string };

type Outcome =
  | { kind: "covered" }
  | { kind: "none"; note: string }
  | { kind: "reverse"; statement: RevertStatement; placement: "before" | "after"; touched?: Touched }
  | { kind: "todo"; message: string; touched?: Touched };

const TODO_DEFAULT = "write the reverse of this hand-written statement, or delete this block if it needs none";
const TODO_DO_BLOCK = "undo what this DO block did (roles are cluster-wide: usually keep them)";
const TODO_SEARCH_PATH =
  "this migration sets search_path, so the schema of this unqualified name is unknown: write its reverse with the schema named";
const todoReplaced = (what: string, source: string) =>
  `${what} existed before (${source}) and this statement created it again: restore its earlier definition instead of dropping it`;

/** Drizzle Kit's generated statements in their canonical form (guards dropped), to recognise them when hand-guarded. */
function generatedForms(generated: string[]): Set<string> {
  return new Set(generated.flatMap(canonicalStatements));
}

/** Whether a unit is one Drizzle Kit generates (the snapshot diff reverses it). */
function isGenerated(unit: SqlUnit, generated: Set<string>): boolean {
  return generated.has(canonicalUnit(unit));
}

/** A relation's key and SQL name (`"t"`, `"s"."t"`); undefined when its schema is not known. */
function relationKey(rangeVar: AstObject | undefined, searchPathSet: boolean): string | undefined {
  const schema = stringField(rangeVar, "schemaname");
  if (schema === undefined && searchPathSet) return undefined;
  return qualifiedIdent(schema, stringField(rangeVar, "relname") ?? "");
}

/** Whether a migration sets `search_path` (`SET`, `set_config`): an unqualified name may then be in any schema. */
function setsSearchPath(statements: readonly ReviewStatement[]): boolean {
  return statements.some((statement) => statement.units.some(setsSearchPathIn));
}

/** What the classifier of one migration knows besides its context. */
interface Known {
  context: ManualSqlContext;
  earlier: EarlierObjects;
  searchPathSet: boolean;
  /** Where an object existed before the migration: the snapshot before it, or an earlier migration's SQL. */
  existedBefore(kind: EarlierKind, key: string, inSnapshot: boolean): string | undefined;
}

/**
 * A create of something that existed before the migration: kept (with a note) when the statement
 * only restated it (`IF NOT EXISTS`), a TODO when it created it again (after a drop the parser
 * cannot follow, or a policy replaced): dropping it would remove what was there before.
 */
function restated(what: string, source: string, ifNotExists: boolean, file: string): Outcome {
  return ifNotExists
    ? { kind: "none", note: `keeps ${what}: it existed before ${file} (${source}), which only restated it` }
    : todo(todoReplaced(what, source));
}

/** The last name of an identifier {@link qualifiedIdent} wrote (`"audit"."log"` → `log`). */
const lastName = (qualified: string): string => (qualified.split('"."').at(-1) ?? "").replaceAll('"', "");

/**
 * A statement that may only restate something no earlier SQL shows (`IF NOT EXISTS`, a repeated
 * FORCE): a TODO when an earlier migration ran SQL the parser cannot follow that names it, which
 * may have made it.
 */
function unknownHistory(what: string, names: string[], known: Known): Outcome | undefined {
  const unread = known.earlier.unreadNaming(...names);
  return unread
    ? todo(
        `${what} may have existed before ${known.context.file} (${unread}, which db:revert cannot read): undo this statement only if it did not`,
      )
    : undefined;
}

/** Classifies one statement (a top-level unit, not a DO block). */
function classifyUnit(unit: SqlUnit, known: Known): Outcome[] {
  const { context } = known;
  const { after, before, droppedTables } = context;
  const { node } = unit;
  const relation = objectField(node, unit.type === "CreatePolicyStmt" ? "table" : "relation");
  const table = relationKey(relation, known.searchPathSet);
  if (relation && table === undefined) return [todo(TODO_SEARCH_PATH)];
  const on = table ?? "";
  const has = (names: SnapshotNames, name: string) => names.parts.get(on)?.has(name) ?? false;
  const onTable = (label: string) => ({ label: `${label} on ${on}`, parent: `table ${on}` });
  const undoes = (what: string) => undoesComment(what, context.file);
  switch (unit.type) {
    case "CreateExtensionStmt": {
      const name = stringField(node, "extname") ?? "";
      const earlier = known.earlier.createdBy("extension", name);
      if (earlier)
        return [{ kind: "none", note: `keeps extension ${quoteIdent(name)}: ${earlier} created it already` }];
      const unknown = node["if_not_exists"] === true && unknownHistory(`extension ${quoteIdent(name)}`, [name], known);
      if (unknown) return [unknown];
      return [
        {
          kind: "reverse",
          placement: "after",
          touched: { label: `extension ${quoteIdent(name)}` },
          statement: {
            sql: `DROP EXTENSION IF EXISTS ${quoteIdent(name)};`,
            comments: [
              `${MANUAL_REVERSE} ${context.file} created extension ${quoteIdent(name)}. No CASCADE: PostgreSQL refuses`,
              `-- this while anything still uses it. If the extension existed before that migration, delete this statement.`,
            ],
            // An extension may keep rows in its own tables (pg_cron's jobs, PostGIS's reference systems).
            dataLoss: `drops extension ${quoteIdent(name)} and whatever its own tables hold`,
          },
        },
      ];
    }
    case "IndexStmt": {
      const name = stringField(node, "idxname");
      if (!name) return [todo(TODO_DEFAULT)];
      if (has(after, name)) return [{ kind: "covered" }];
      if (droppedTables.has(on)) return [{ kind: "none", note: `index ${quoteIdent(name)} goes with table ${on}` }];
      // An index lives in its table's schema: outside the default one, the drop names it.
      const qualified = qualifiedIdent(stringField(relation, "schemaname"), name);
      const source = known.existedBefore("index", qualified, has(before, name));
      if (source) return [restated(`index ${qualified}`, source, node["if_not_exists"] === true, context.file)];
      const unknown = node["if_not_exists"] === true && unknownHistory(`index ${qualified}`, [name], known);
      if (unknown) return [unknown];
      return [
        {
          kind: "reverse",
          placement: "before",
          touched: onTable(`index ${quoteIdent(name)}`),
          statement: { sql: `DROP INDEX IF EXISTS ${qualified};`, comments: undoes(`index ${quoteIdent(name)}`) },
        },
      ];
    }
    case "AlterTableStmt":
      return arrayField(node, "cmds").map((item) => classifyAlterTable(nodeOf(item, "AlterTableCmd"), on, known));
    case "CreatePolicyStmt": {
      const name = stringField(node, "policy_name") ?? "";
      const label = `policy ${quoteIdent(name)} on ${on}`;
      if (has(after, name)) return [{ kind: "covered" }];
      if (droppedTables.has(on)) return [{ kind: "none", note: `policy ${quoteIdent(name)} goes with table ${on}` }];
      const source = known.existedBefore("policy", partKey(on, name), has(before, name));
      // CREATE POLICY has no IF NOT EXISTS: one that existed before was replaced.
      if (source) return [todo(todoReplaced(label, source))];
      return [
        {
          kind: "reverse",
          placement: "before",
          touched: { label, parent: `table ${on}` },
          statement: {
            sql: `DROP POLICY IF EXISTS ${quoteIdent(name)} ON ${on};`,
            comments: undoes(`policy ${quoteIdent(name)}`),
          },
        },
      ];
    }
    case "CreateStmt": {
      if (after.tables.has(on)) return [{ kind: "covered" }];
      const source = known.existedBefore("table", on, before.tables.has(on));
      if (source) return [restated(`table ${on}`, source, node["if_not_exists"] === true, context.file)];
      const unknown = node["if_not_exists"] === true && unknownHistory(`table ${on}`, [lastName(on)], known);
      if (unknown) return [unknown];
      return [
        {
          kind: "reverse",
          placement: "before",
          touched: { label: `table ${on}` },
          statement: {
            sql: `DROP TABLE IF EXISTS ${on};`,
            comments: undoes(`table ${on}`),
            dataLoss: `drops table ${on} and its rows`,
          },
        },
      ];
    }
    case "CreateEnumStmt":
      return after.enums.has(nameList(node["typeName"]).at(-1) ?? "") ? [{ kind: "covered" }] : [todo(TODO_DEFAULT)];
    case "AlterDefaultPrivilegesStmt":
      return [
        todo(
          "undo these default privileges (ALTER DEFAULT PRIVILEGES … REVOKE/GRANT …), unless they were in place before",
        ),
      ];
    case "GrantStmt":
      return [classifyGrant(unit, known)];
    default:
      return [todo(TODO_DEFAULT)];
  }
}

/**
 * How a reverse of hand-written SQL starts its comment: no snapshot records it, so Drizzle Kit would
 * not generate it, and db:review (rule `manual-addition-header`) asks hand-written SQL to say so.
 */
const MANUAL_REVERSE = "-- Manual addition: db:revert:";

/** The comment above the reverse of a hand-written statement. */
function undoesComment(what: string, file: string): string[] {
  return [`${MANUAL_REVERSE} undoes the hand-written ${what} of ${file}`];
}

function todo(message: string, touched?: Touched): Outcome {
  return touched ? { kind: "todo", message, touched } : { kind: "todo", message };
}

/** One command of an `ALTER TABLE` on `table` (its key): a column, a constraint, or row-level security. */
function classifyAlterTable(command: Record<string, unknown> | undefined, table: string, known: Known): Outcome {
  const { context } = known;
  const { after, before, droppedTables } = context;
  const parts = after.parts.get(table) ?? new Set<string>();
  const parent = `table ${table}`;
  const undoes = (what: string) => undoesComment(what, context.file);
  switch (stringField(command, "subtype")) {
    case "AT_AddColumn": {
      const column = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname") ?? "";
      const label = `column ${table}.${quoteIdent(column)}`;
      if (parts.has(column)) return { kind: "covered" };
      if (droppedTables.has(table)) return { kind: "none", note: `${label} goes with its table` };
      const inSnapshot = before.parts.get(table)?.has(column) ?? false;
      const source = known.existedBefore("column", partKey(table, column), inSnapshot);
      if (source) return restated(label, source, command?.["missing_ok"] === true, context.file);
      const unknown = command?.["missing_ok"] === true && unknownHistory(label, [column, lastName(table)], known);
      if (unknown) return unknown;
      return {
        kind: "reverse",
        placement: "before",
        touched: { label, parent },
        statement: {
          sql: `ALTER TABLE ${table} DROP COLUMN IF EXISTS ${quoteIdent(column)};`,
          comments: undoes(label),
          dataLoss: `drops ${label} and its values`,
        },
      };
    }
    case "AT_AddConstraint": {
      const name = stringField(nodeOf(command?.["def"], "Constraint"), "conname") ?? "";
      if (parts.has(name)) return { kind: "covered" };
      if (droppedTables.has(table))
        return { kind: "none", note: `constraint ${quoteIdent(name)} goes with table ${table}` };
      // ADD CONSTRAINT has no IF NOT EXISTS: one that existed before was dropped and made again.
      const inSnapshot = before.parts.get(table)?.has(name) ?? false;
      const source = name ? known.existedBefore("constraint", partKey(table, name), inSnapshot) : undefined;
      if (source) return todo(todoReplaced(`constraint ${quoteIdent(name)} on ${table}`, source));
      return {
        kind: "reverse",
        placement: "before",
        touched: { label: `constraint ${quoteIdent(name)} on ${table}`, parent },
        statement: {
          sql: `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${quoteIdent(name)};`,
          comments: undoes(`constraint ${quoteIdent(name)}`),
        },
      };
    }
    case "AT_EnableRowSecurity":
    case "AT_ForceRowSecurity": {
      const mode = stringField(command, "subtype") === "AT_ForceRowSecurity" ? "FORCE" : "ENABLE";
      if (droppedTables.has(table)) return { kind: "none", note: `row-level security of ${table} goes with the table` };
      // The snapshots record RLS being enabled (the generated reverse disables it), never FORCE.
      if (mode === "ENABLE" && after.rls.has(table) && !before.rls.has(table)) return { kind: "covered" };
      const wasOn = mode === "ENABLE" && before.rls.has(table);
      const source = known.existedBefore(mode === "FORCE" ? "force" : "rls", partKey(table), wasOn);
      if (source)
        return {
          kind: "none",
          note: `keeps ${mode} ROW LEVEL SECURITY on ${table}: it was in force before ${context.file} (${source})`,
        };
      const unknown = unknownHistory(
        `${mode} ROW LEVEL SECURITY on ${table}`,
        // A loop over the catalog names no table: the clause itself is the tell.
        [lastName(table), "row level security"],
        known,
      );
      if (unknown) return unknown;
      return {
        kind: "reverse",
        placement: "before",
        touched: { label: `row-level security on ${table}`, parent },
        statement: {
          sql: `ALTER TABLE ${table} ${mode === "FORCE" ? "NO FORCE" : "DISABLE"} ROW LEVEL SECURITY;`,
          comments: undoes(`${mode} ROW LEVEL SECURITY`),
        },
      };
    }
    default:
      return todo(TODO_DEFAULT);
  }
}

/** A `GRANT`/`REVOKE`: nothing to undo when every table it names is dropped by the revert, else a TODO. */
function classifyGrant(unit: SqlUnit, known: Known): Outcome {
  const verb = unit.node["is_grant"] === true ? "GRANT" : "REVOKE";
  const onTables =
    stringField(unit.node, "objtype") === "OBJECT_TABLE" && stringField(unit.node, "targtype") === "ACL_TARGET_OBJECT";
  const targets = onTables
    ? arrayField(unit.node, "objects").map((o) => relationKey(nodeOf(o, "RangeVar"), known.searchPathSet))
    : [];
  if (targets.length > 0 && targets.every((t) => t !== undefined && known.context.droppedTables.has(t))) {
    return { kind: "none", note: `nothing to undo for a ${verb} on ${targets.join(", ")}: the revert drops them` };
  }
  return todo(
    verb === "GRANT"
      ? "revoke what this GRANT gave, unless the role had it before (REVOKE … FROM …)"
      : "give back what this REVOKE took away, if the role had it before (GRANT … TO …)",
  );
}

/**
 * Classifies one statement of the file. A `DO` block is covered when it holds only plain
 * statements that are all covered (a hand-guarded generated statement); otherwise it is a TODO.
 */
function classifyStatement(statement: ReviewStatement, known: Known, generated: Set<string>): Outcome[] {
  const [top, ...inner] = statement.units;
  if (statement.parseError || !top) return [todo(TODO_DEFAULT)];
  if (top.type === "DoStmt") {
    const transparent = top.doBlock?.opaque.length === 0 && inner.length > 0;
    const covered = inner.every(
      (unit) => isGenerated(unit, generated) || classifyUnit(unit, known).every((o) => o.kind === "covered"),
    );
    return transparent && covered ? [{ kind: "covered" }] : [todo(TODO_DO_BLOCK)];
  }
  return statement.units.flatMap((unit) =>
    isGenerated(unit, generated) ? [{ kind: "covered" as const }] : classifyUnit(unit, known),
  );
}

/**
 * Sorts a migration's statements into those Drizzle Kit generates from the snapshots (reversed by
 * the snapshot diff) and hand-written ones, and derives what it can for the latter.
 */
export function reverseManualSql(context: ManualSqlContext): ManualReverse {
  const generated = generatedForms(context.generated);
  const { statements } = parseMigration(context.file, context.file, context.sql);
  const earlier = new EarlierObjects(context.earlierSql);
  const known: Known = {
    context,
    earlier,
    searchPathSet: setsSearchPath(statements),
    existedBefore: (kind, key, inSnapshot) =>
      inSnapshot ? `the snapshot before ${context.file} records it` : earlier.createdBy(kind, key),
  };
  const result: ManualReverse = { before: [], after: [], todos: [], notes: [], touched: [] };
  for (const statement of statements) {
    const location = `${context.file}:${statement.position.line}`;
    const outcomes = classifyStatement(statement, known, generated);
    const todos = outcomes.flatMap((o) => (o.kind === "todo" ? [o] : []));
    if (todos.length > 0) {
      const messages = [...new Set(todos.map((t) => t.message))];
      result.todos.push({
        message: messages.join("; "),
        statement: withoutCommentLines(statement.sql).trim(),
        location,
      });
    }
    for (const outcome of outcomes) {
      if (outcome.kind === "none") result.notes.push(`${outcome.note} (${location})`);
      if (outcome.kind === "reverse")
        (outcome.placement === "before" ? result.before : result.after).push(outcome.statement);
      if ((outcome.kind === "reverse" || outcome.kind === "todo") && outcome.touched)
        result.touched.push(outcome.touched);
    }
  }
  result.before.reverse();
  result.after.reverse();
  return result;
}

/** The TODO block written into the file for one hand-written statement: comments only, so it never runs. */
export function todoBlock(todo: RevertTodo): string {
  const original = todo.statement.split("\n").map((l) => `--   ${l}`);
  return [`${REVERT_TODO_MARKER} ${todo.message}`, `-- It reverses ${todo.location}:`, ...original, ""].join("\n");
}
