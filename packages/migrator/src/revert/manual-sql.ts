/**
 * The hand-written part of a migration, which no snapshot records: statements Drizzle Kit would
 * not have generated (extensions, custom indexes, grants, role blocks …). For each one `db:revert`
 * either derives the reverse, decides nothing needs undoing, or leaves a TODO for a person.
 * Each statement is read by PostgreSQL's own parser (`sql/parse-migration.ts`) and classified by its
 * parse-tree node; anything not recognised becomes a TODO, so a gap here makes the revert stricter,
 * never silently incomplete.
 */
import { arrayField, nameList, nodeOf, objectField, relationName, stringField } from "../sql/ast.ts";
import { canonicalStatements, canonicalUnit } from "../sql/canonical-sql.ts";
import { parseMigration, type ReviewStatement, type SqlUnit } from "../sql/parse-migration.ts";
import { withoutCommentLines } from "../sql/comments.ts";
import { quoteIdent } from "../sql/quote-ident.ts";

/** The marker `db:review` (rule `unfinished-revert`) fails on until a person replaces the block. */
export const REVERT_TODO_MARKER = "-- TODO(db:revert):";

/** A statement of the reverting migration, with the comment lines written above it. */
export interface RevertStatement {
  sql: string;
  comments: string[];
  /** Set when the statement drops data or cannot bring data back; also written as a comment. */
  dataLoss?: string;
}

/** A hand-written statement whose reverse a person must write. */
export interface RevertTodo {
  /** What a person must write, e.g. "restore the privileges the REVOKE removed". */
  message: string;
  /** The original statement and where it is (`0003_x.sql:40`). */
  statement: string;
  location: string;
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
  /** Names in the snapshot after the migration: tables and, per table, its columns/indexes/constraints/policies. */
  after: { tables: Set<string>; parts: Map<string, Set<string>>; enums: Set<string>; roles: Set<string> };
  /** Tables the revert drops (their grants, indexes and policies go with them). */
  droppedTables: Set<string>;
  /** SQL text of the migrations before this one (an extension created there is kept). */
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

/** Drizzle Kit's generated statements in their canonical form (guards dropped), to recognise them when hand-guarded. */
function generatedForms(generated: string[]): Set<string> {
  return new Set(generated.flatMap(canonicalStatements));
}

/** Whether a unit is one Drizzle Kit generates (the snapshot diff reverses it). */
function isGenerated(unit: SqlUnit, generated: Set<string>): boolean {
  return generated.has(canonicalUnit(unit));
}

/**
 * The extensions each migration text creates, by text. A revert or a rebase asks about every
 * migration before each one it reads: parsed once each, not once per later migration. Room for
 * the longest real histories: dropping the oldest entries, in a history longer than that, would
 * parse every migration again on each pass (each pass reads them oldest first).
 */
const extensionsByText = new Map<string, readonly string[]>();
const EXTENSION_TEXTS_KEPT = 50_000;

/** Extensions one migration creates (top level or inside DO blocks), in order. */
function extensionsCreatedBy(file: string, sql: string): readonly string[] {
  const known = extensionsByText.get(sql);
  if (known) return known;
  const names: string[] = [];
  for (const statement of parseMigration(file, file, sql).statements) {
    for (const unit of statement.units) {
      const name = unit.type === "CreateExtensionStmt" ? stringField(unit.node, "extname") : undefined;
      if (name) names.push(name);
    }
  }
  if (extensionsByText.size >= EXTENSION_TEXTS_KEPT) extensionsByText.delete(extensionsByText.keys().next().value!);
  extensionsByText.set(sql, names);
  return names;
}

/** Extensions created by the earlier migrations, each with the first migration that creates it. */
function earlierExtensions(context: ManualSqlContext): Map<string, string> {
  const created = new Map<string, string>();
  for (const earlier of context.earlierSql) {
    for (const name of extensionsCreatedBy(earlier.file, earlier.sql)) {
      if (!created.has(name)) created.set(name, earlier.file);
    }
  }
  return created;
}

/** Classifies one statement (a top-level unit, not a DO block). */
function classifyUnit(unit: SqlUnit, context: ManualSqlContext, extensions: Map<string, string>): Outcome[] {
  const { after, droppedTables } = context;
  const partsOf = (table: string) => after.parts.get(table) ?? new Set<string>();
  const { node } = unit;
  const table = relationName(objectField(node, "relation")) ?? "";
  const onTable = (label: string) => ({
    label: `${label} on ${quoteIdent(table)}`,
    parent: `table ${quoteIdent(table)}`,
  });
  const undoes = (what: string) => [`-- db:revert: undoes the hand-written ${what} of ${context.file}`];
  switch (unit.type) {
    case "CreateExtensionStmt": {
      const name = stringField(node, "extname") ?? "";
      const earlier = extensions.get(name);
      if (earlier)
        return [{ kind: "none", note: `keeps extension ${quoteIdent(name)}: ${earlier} created it already` }];
      return [
        {
          kind: "reverse",
          placement: "after",
          touched: { label: `extension ${quoteIdent(name)}` },
          statement: {
            sql: `DROP EXTENSION IF EXISTS ${quoteIdent(name)};`,
            comments: [
              `-- db:revert: ${context.file} created extension ${quoteIdent(name)}. No CASCADE: PostgreSQL refuses this while`,
              `-- anything still uses it. If the extension existed before that migration, delete this statement.`,
            ],
          },
        },
      ];
    }
    case "IndexStmt": {
      const name = stringField(node, "idxname") ?? "";
      if (partsOf(table).has(name)) return [{ kind: "covered" }];
      if (droppedTables.has(table))
        return [{ kind: "none", note: `index ${quoteIdent(name)} goes with table ${quoteIdent(table)}` }];
      // An index lives in its table's schema: outside the default one, the drop names it.
      const schema = stringField(objectField(node, "relation"), "schemaname");
      const qualified = schema && schema !== "public" ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
      return [
        {
          kind: "reverse",
          placement: "before",
          touched: onTable(`index ${quoteIdent(name)}`),
          statement: {
            sql: `DROP INDEX IF EXISTS ${qualified};`,
            comments: undoes(`index ${quoteIdent(name)}`),
          },
        },
      ];
    }
    case "AlterTableStmt":
      return arrayField(node, "cmds").map((item) => classifyAlterTable(nodeOf(item, "AlterTableCmd"), table, context));
    case "CreatePolicyStmt": {
      const name = stringField(node, "policy_name") ?? "";
      const policyTable = relationName(objectField(node, "table")) ?? "";
      if (partsOf(policyTable).has(name)) return [{ kind: "covered" }];
      if (droppedTables.has(policyTable))
        return [{ kind: "none", note: `policy ${quoteIdent(name)} goes with table ${quoteIdent(policyTable)}` }];
      return [
        {
          kind: "reverse",
          placement: "before",
          touched: {
            label: `policy ${quoteIdent(name)} on ${quoteIdent(policyTable)}`,
            parent: `table ${quoteIdent(policyTable)}`,
          },
          statement: {
            sql: `DROP POLICY IF EXISTS ${quoteIdent(name)} ON ${quoteIdent(policyTable)};`,
            comments: undoes(`policy ${quoteIdent(name)}`),
          },
        },
      ];
    }
    case "CreateStmt":
      if (after.tables.has(table)) return [{ kind: "covered" }];
      return [
        {
          kind: "reverse",
          placement: "before",
          touched: { label: `table ${quoteIdent(table)}` },
          statement: {
            sql: `DROP TABLE IF EXISTS ${quoteIdent(table)};`,
            comments: undoes(`table ${quoteIdent(table)}`),
            dataLoss: `drops table ${quoteIdent(table)} and its rows`,
          },
        },
      ];
    case "CreateEnumStmt":
      return after.enums.has(nameList(node["typeName"]).at(-1) ?? "") ? [{ kind: "covered" }] : [todo(TODO_DEFAULT)];
    case "AlterDefaultPrivilegesStmt":
      return [
        todo(
          "undo these default privileges (ALTER DEFAULT PRIVILEGES … REVOKE/GRANT …), unless they were in place before",
        ),
      ];
    case "GrantStmt":
      return [classifyGrant(unit, droppedTables)];
    default:
      return [todo(TODO_DEFAULT)];
  }
}

function todo(message: string, touched?: Touched): Outcome {
  return touched ? { kind: "todo", message, touched } : { kind: "todo", message };
}

/** One command of an `ALTER TABLE`: a column, a constraint, or row-level security. */
function classifyAlterTable(
  command: Record<string, unknown> | undefined,
  table: string,
  context: ManualSqlContext,
): Outcome {
  const { after, droppedTables } = context;
  const parts = after.parts.get(table) ?? new Set<string>();
  const parent = `table ${quoteIdent(table)}`;
  const undoes = (what: string) => [`-- db:revert: undoes the hand-written ${what} of ${context.file}`];
  switch (stringField(command, "subtype")) {
    case "AT_AddColumn": {
      const column = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname") ?? "";
      const label = `column ${quoteIdent(table)}.${quoteIdent(column)}`;
      if (parts.has(column)) return { kind: "covered" };
      if (droppedTables.has(table)) return { kind: "none", note: `${label} goes with its table` };
      return {
        kind: "reverse",
        placement: "before",
        touched: { label, parent },
        statement: {
          sql: `ALTER TABLE ${quoteIdent(table)} DROP COLUMN IF EXISTS ${quoteIdent(column)};`,
          comments: undoes(label),
          dataLoss: `drops ${label} and its values`,
        },
      };
    }
    case "AT_AddConstraint": {
      const name = stringField(nodeOf(command?.["def"], "Constraint"), "conname") ?? "";
      if (parts.has(name)) return { kind: "covered" };
      if (droppedTables.has(table))
        return { kind: "none", note: `constraint ${quoteIdent(name)} goes with table ${quoteIdent(table)}` };
      return {
        kind: "reverse",
        placement: "before",
        touched: { label: `constraint ${quoteIdent(name)} on ${quoteIdent(table)}`, parent },
        statement: {
          sql: `ALTER TABLE ${quoteIdent(table)} DROP CONSTRAINT IF EXISTS ${quoteIdent(name)};`,
          comments: undoes(`constraint ${quoteIdent(name)}`),
        },
      };
    }
    case "AT_EnableRowSecurity":
    case "AT_ForceRowSecurity": {
      const mode = stringField(command, "subtype") === "AT_ForceRowSecurity" ? "FORCE" : "ENABLE";
      if (droppedTables.has(table))
        return { kind: "none", note: `row-level security of ${quoteIdent(table)} goes with the table` };
      if (mode === "ENABLE" && after.tables.has(table)) return { kind: "covered" };
      return {
        kind: "reverse",
        placement: "before",
        touched: { label: `row-level security on ${quoteIdent(table)}`, parent },
        statement: {
          sql: `ALTER TABLE ${quoteIdent(table)} ${mode === "FORCE" ? "NO FORCE" : "DISABLE"} ROW LEVEL SECURITY;`,
          comments: undoes(`${mode} ROW LEVEL SECURITY`),
        },
      };
    }
    default:
      return todo(TODO_DEFAULT);
  }
}

/** A `GRANT`/`REVOKE`: nothing to undo when every table it names is dropped by the revert, else a TODO. */
function classifyGrant(unit: SqlUnit, droppedTables: Set<string>): Outcome {
  const verb = unit.node["is_grant"] === true ? "GRANT" : "REVOKE";
  const onTables =
    stringField(unit.node, "objtype") === "OBJECT_TABLE" && stringField(unit.node, "targtype") === "ACL_TARGET_OBJECT";
  const targets = onTables
    ? arrayField(unit.node, "objects").map((o) => relationName(nodeOf(o, "RangeVar")) ?? "")
    : [];
  if (targets.length > 0 && targets.every((t) => droppedTables.has(t))) {
    return {
      kind: "none",
      note: `nothing to undo for a ${verb} on ${targets.map(quoteIdent).join(", ")}: the revert drops them`,
    };
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
function classifyStatement(
  statement: ReviewStatement,
  context: ManualSqlContext,
  generated: Set<string>,
  extensions: Map<string, string>,
): Outcome[] {
  const [top, ...inner] = statement.units;
  if (statement.parseError || !top) return [todo(TODO_DEFAULT)];
  if (top.type === "DoStmt") {
    const transparent = top.doBlock?.opaque.length === 0 && inner.length > 0;
    const covered = inner.every(
      (unit) =>
        isGenerated(unit, generated) || classifyUnit(unit, context, extensions).every((o) => o.kind === "covered"),
    );
    return transparent && covered ? [{ kind: "covered" }] : [todo(TODO_DO_BLOCK)];
  }
  return statement.units.flatMap((unit) =>
    isGenerated(unit, generated) ? [{ kind: "covered" as const }] : classifyUnit(unit, context, extensions),
  );
}

/**
 * Sorts a migration's statements into those Drizzle Kit generates from the snapshots (reversed by
 * the snapshot diff) and hand-written ones, and derives what it can for the latter.
 */
export function reverseManualSql(context: ManualSqlContext): ManualReverse {
  const generated = generatedForms(context.generated);
  const extensions = earlierExtensions(context);
  const result: ManualReverse = { before: [], after: [], todos: [], notes: [], touched: [] };
  for (const statement of parseMigration(context.file, context.file, context.sql).statements) {
    const location = `${context.file}:${statement.position.line}`;
    const outcomes = classifyStatement(statement, context, generated, extensions);
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
