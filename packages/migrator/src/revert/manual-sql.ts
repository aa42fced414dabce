/**
 * The hand-written part of a migration, which no snapshot records: statements Drizzle Kit would
 * not have generated (extensions, custom indexes, grants, role blocks …). For each one `db:revert`
 * either derives the reverse, decides nothing needs undoing, or leaves a TODO for a person.
 * Classification is textual (no SQL parser on this branch): anything not recognised becomes a TODO,
 * so a mistake here makes the revert stricter, never silently incomplete.
 */
import { splitStatements } from "../sql/statements.ts";

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

/** What the classifier needs to know about the migration being reverted. */
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

const IDENT = String.raw`(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))`;
const QUALIFIED = String.raw`(?:${IDENT}\.)?${IDENT}`;

function ident(m: RegExpMatchArray, at: number): string {
  return (m[at] ?? m[at + 1] ?? "").replace(/""/g, '"');
}

/** The statement without full-line comments, guards and `DO … duplicate_object` wrappers, whitespace collapsed. */
export function normalizeStatement(sql: string): string {
  let s = sql
    .split("\n")
    .filter((l) => !l.trim().startsWith("--"))
    .join("\n")
    .replace(/\s+/g, " ")
    .trim();
  const wrapped = /^DO \$\$ BEGIN (.*?;) EXCEPTION WHEN duplicate_object THEN null; END \$\$;?$/i.exec(s);
  if (wrapped?.[1]) s = wrapped[1];
  return s
    .replace(/ IF NOT EXISTS /gi, " ")
    .replace(/;$/, "")
    .replace(/\s*\(\s*/g, "(")
    .replace(/\s*\)\s*/g, ")")
    .trim()
    .toLowerCase();
}

/** `DO $$ BEGIN <statements> [EXCEPTION …] END $$` → the statements, if the body is that simple. */
function doBlockBody(code: string): string[] | undefined {
  const m =
    /^DO\s+\$\$\s*BEGIN\s+([\s\S]*?)\s*(?:EXCEPTION\s+WHEN\s+duplicate_object\s+THEN\s+null;\s*)?END\s*\$\$;?$/i.exec(
      code,
    );
  if (!m?.[1]) return undefined;
  const body = m[1].trim();
  if (/\b(IF|LOOP|EXECUTE|PERFORM|DECLARE)\b/i.test(body)) return undefined;
  return body
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => `${s};`);
}

function codeOf(sql: string): string {
  return sql
    .split("\n")
    .filter((l) => !l.trim().startsWith("--"))
    .join("\n")
    .trim();
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

type Outcome =
  | { kind: "covered" }
  | { kind: "none"; note: string }
  | {
      kind: "reverse";
      statement: RevertStatement;
      placement: "before" | "after";
      touched?: { label: string; parent?: string };
    }
  | { kind: "todo"; message: string; touched?: { label: string; parent?: string } };

function grantTargets(code: string): string[] | undefined {
  const m =
    /\bON\s+(?:TABLE\s+)?((?:(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))?\s*,\s*)*(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))?)\s+(?:TO|FROM)\b/i.exec(
      code,
    );
  if (!m?.[1]) return undefined;
  if (/^(ALL|SCHEMA|SEQUENCE|FUNCTION|DATABASE)\b/i.test(m[1])) return undefined;
  return m[1].split(",").map((t) => {
    const last = t.trim().split(".").at(-1) ?? "";
    return last.replace(/^"|"$/g, "").replace(/""/g, '"');
  });
}

function classify(code: string, context: ManualSqlContext): Outcome {
  const { after, droppedTables } = context;
  const partsOf = (table: string) => after.parts.get(table) ?? new Set<string>();

  let m = new RegExp(String.raw`^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}`, "i").exec(code);
  if (m) {
    const name = ident(m, 1);
    const label = `extension ${quote(name)}`;
    const earlier = context.earlierSql.find((e) =>
      new RegExp(
        String.raw`CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?"?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?`,
        "i",
      ).test(e.sql),
    );
    if (earlier) return { kind: "none", note: `keeps extension ${quote(name)}: ${earlier.file} created it already` };
    return {
      kind: "reverse",
      placement: "after",
      touched: { label },
      statement: {
        sql: `DROP EXTENSION IF EXISTS ${quote(name)};`,
        comments: [
          `-- db:revert: ${context.file} created extension ${quote(name)}. No CASCADE: PostgreSQL refuses this while`,
          `-- anything still uses it. If the extension existed before that migration, delete this statement.`,
        ],
      },
    };
  }

  m = new RegExp(
    String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}\s+ON\s+(?:ONLY\s+)?${QUALIFIED}`,
    "i",
  ).exec(code);
  if (m) {
    const name = ident(m, 1);
    const table = ident(m, 5);
    if (partsOf(table).has(name)) return { kind: "covered" };
    const touched = { label: `index ${quote(name)} on ${quote(table)}`, parent: `table ${quote(table)}` };
    if (droppedTables.has(table)) return { kind: "none", note: `index ${quote(name)} goes with table ${quote(table)}` };
    return {
      kind: "reverse",
      placement: "before",
      touched,
      statement: {
        sql: `DROP INDEX IF EXISTS ${quote(name)};`,
        comments: [`-- db:revert: undoes the hand-written index ${quote(name)} of ${context.file}`],
      },
    };
  }

  m = new RegExp(
    String.raw`^ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?${QUALIFIED}\s+ADD\s+(COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}`,
    "i",
  ).exec(code);
  if (m && !/^ADD\s+(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b/i.test(code.slice(code.search(/\bADD\b/i)))) {
    const table = ident(m, 3);
    const column = ident(m, 6);
    if (partsOf(table).has(column)) return { kind: "covered" };
    if (droppedTables.has(table))
      return { kind: "none", note: `column ${quote(table)}.${quote(column)} goes with its table` };
    return {
      kind: "reverse",
      placement: "before",
      touched: { label: `column ${quote(table)}.${quote(column)}`, parent: `table ${quote(table)}` },
      statement: {
        sql: `ALTER TABLE ${quote(table)} DROP COLUMN IF EXISTS ${quote(column)};`,
        comments: [`-- db:revert: undoes the hand-written column ${quote(table)}.${quote(column)} of ${context.file}`],
        dataLoss: `drops column ${quote(table)}.${quote(column)} and its values`,
      },
    };
  }

  m = new RegExp(
    String.raw`^ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?${QUALIFIED}\s+ADD\s+CONSTRAINT\s+${IDENT}`,
    "i",
  ).exec(code);
  if (m) {
    const table = ident(m, 3);
    const name = ident(m, 5);
    if (partsOf(table).has(name)) return { kind: "covered" };
    if (droppedTables.has(table))
      return { kind: "none", note: `constraint ${quote(name)} goes with table ${quote(table)}` };
    return {
      kind: "reverse",
      placement: "before",
      touched: { label: `constraint ${quote(name)} on ${quote(table)}`, parent: `table ${quote(table)}` },
      statement: {
        sql: `ALTER TABLE ${quote(table)} DROP CONSTRAINT IF EXISTS ${quote(name)};`,
        comments: [`-- db:revert: undoes the hand-written constraint ${quote(name)} of ${context.file}`],
      },
    };
  }

  m = new RegExp(String.raw`^CREATE\s+POLICY\s+${IDENT}\s+ON\s+${QUALIFIED}`, "i").exec(code);
  if (m) {
    const name = ident(m, 1);
    const table = ident(m, 5);
    if (partsOf(table).has(name)) return { kind: "covered" };
    if (droppedTables.has(table))
      return { kind: "none", note: `policy ${quote(name)} goes with table ${quote(table)}` };
    return {
      kind: "reverse",
      placement: "before",
      touched: { label: `policy ${quote(name)} on ${quote(table)}`, parent: `table ${quote(table)}` },
      statement: {
        sql: `DROP POLICY IF EXISTS ${quote(name)} ON ${quote(table)};`,
        comments: [`-- db:revert: undoes the hand-written policy ${quote(name)} of ${context.file}`],
      },
    };
  }

  m = new RegExp(
    String.raw`^ALTER\s+TABLE\s+(?:ONLY\s+)?${QUALIFIED}\s+(ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY`,
    "i",
  ).exec(code);
  if (m) {
    const table = ident(m, 3);
    const mode = (m[5] ?? "").toUpperCase();
    if (droppedTables.has(table))
      return { kind: "none", note: `row-level security of ${quote(table)} goes with the table` };
    if (mode === "ENABLE" && after.tables.has(table)) return { kind: "covered" };
    const reverse = mode === "FORCE" ? "NO FORCE" : "DISABLE";
    return {
      kind: "reverse",
      placement: "before",
      touched: { label: `row-level security on ${quote(table)}`, parent: `table ${quote(table)}` },
      statement: {
        sql: `ALTER TABLE ${quote(table)} ${reverse} ROW LEVEL SECURITY;`,
        comments: [`-- db:revert: undoes the hand-written ${mode} ROW LEVEL SECURITY of ${context.file}`],
      },
    };
  }

  m = new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${QUALIFIED}`, "i").exec(code);
  if (m) {
    const table = ident(m, 3);
    if (after.tables.has(table)) return { kind: "covered" };
    return {
      kind: "reverse",
      placement: "before",
      touched: { label: `table ${quote(table)}` },
      statement: {
        sql: `DROP TABLE IF EXISTS ${quote(table)};`,
        comments: [`-- db:revert: undoes the hand-written table ${quote(table)} of ${context.file}`],
        dataLoss: `drops table ${quote(table)} and its rows`,
      },
    };
  }

  m = new RegExp(String.raw`^CREATE\s+TYPE\s+${QUALIFIED}`, "i").exec(code);
  if (m && after.enums.has(ident(m, 3))) return { kind: "covered" };

  if (/^ALTER\s+DEFAULT\s+PRIVILEGES\b/i.test(code)) {
    return {
      kind: "todo",
      message:
        "undo these default privileges (ALTER DEFAULT PRIVILEGES … REVOKE/GRANT …), unless they were in place before",
    };
  }

  if (/^(GRANT|REVOKE)\b/i.test(code)) {
    const targets = grantTargets(code);
    if (targets && targets.every((t) => droppedTables.has(t))) {
      return {
        kind: "none",
        note: `nothing to undo for a ${code.split(/\s/, 1)[0]?.toUpperCase()} on ${targets.map(quote).join(", ")}: the revert drops them`,
      };
    }
    const verb = code.split(/\s/, 1)[0]?.toUpperCase();
    return {
      kind: "todo",
      message:
        verb === "GRANT"
          ? "revoke what this GRANT gave, unless the role had it before (REVOKE … FROM …)"
          : "give back what this REVOKE took away, if the role had it before (GRANT … TO …)",
    };
  }

  if (/^DO\b/i.test(code)) {
    const body = doBlockBody(code);
    if (body) {
      const outcomes = body.map((s) => classify(s, context));
      if (outcomes.every((o) => o.kind === "covered")) return { kind: "covered" };
    }
    return { kind: "todo", message: "undo what this DO block did (roles are cluster-wide: usually keep them)" };
  }

  return {
    kind: "todo",
    message: "write the reverse of this hand-written statement, or delete this block if it needs none",
  };
}

/**
 * Sorts a migration's statements into those Drizzle Kit generates from the snapshots (reversed by
 * the snapshot diff) and hand-written ones, and derives what it can for the latter.
 */
export function reverseManualSql(context: ManualSqlContext): ManualReverse {
  const generated = new Set(context.generated.map(normalizeStatement));
  const result: ManualReverse = { before: [], after: [], todos: [], notes: [], touched: [] };
  for (const statement of splitStatements(context.sql)) {
    const code = codeOf(statement.sql);
    if (!code || generated.has(normalizeStatement(code))) continue;
    const outcome = classify(code, context);
    const leadingComments = statement.sql.split("\n").findIndex((l) => l.trim() !== "" && !l.trim().startsWith("--"));
    const location = `${context.file}:${statement.line + Math.max(leadingComments, 0)}`;
    if (outcome.kind === "covered") continue;
    if (outcome.kind === "none") result.notes.push(`${outcome.note} (${location})`);
    if (outcome.kind === "reverse") {
      (outcome.placement === "before" ? result.before : result.after).push(outcome.statement);
      if (outcome.touched) result.touched.push(outcome.touched);
    }
    if (outcome.kind === "todo") {
      result.todos.push({ message: outcome.message, statement: code, location });
      if (outcome.touched) result.touched.push(outcome.touched);
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
