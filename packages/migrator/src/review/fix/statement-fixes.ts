/**
 * The mechanical rewrites of single statements that `db:review --fix` makes, as insertions into a
 * statement's text found through the parse tree and PostgreSQL's lexer (never a regular expression
 * over SQL): the guards guards.ts asks for (IF NOT EXISTS, IF EXISTS, OR REPLACE, or a DO block
 * that catches the duplicate), CONCURRENTLY for an index build, NOT VALID for a constraint.
 */
import { arrayField, nodeOf, stringField } from "../../sql/ast.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { type SqlToken, sqlTokens } from "../../sql/tokens.ts";
import { missingGuard } from "../guards.ts";

/** Text to insert at a character offset of a unit's text. */
export interface Insertion {
  at: number;
  text: string;
}

/** How to make a statement re-runnable: insertions, and whether to wrap it in a DO block. */
export interface GuardFix {
  insertions: Insertion[];
  wrap: boolean;
}

/** Keywords that name the kind of object in `DROP <kind> <name>`. */
const DROP_KIND_WORDS = new Set([
  "ACCESS",
  "AGGREGATE",
  "CAST",
  "CLASS",
  "COLLATION",
  "CONCURRENTLY",
  "CONFIGURATION",
  "CONVERSION",
  "DATA",
  "DICTIONARY",
  "DOMAIN",
  "EVENT",
  "EXTENSION",
  "FAMILY",
  "FOREIGN",
  "FUNCTION",
  "INDEX",
  "LANGUAGE",
  "MATERIALIZED",
  "METHOD",
  "OPERATOR",
  "PARSER",
  "POLICY",
  "PROCEDURE",
  "PUBLICATION",
  "ROUTINE",
  "RULE",
  "SCHEMA",
  "SEARCH",
  "SEQUENCE",
  "SERVER",
  "STATISTICS",
  "TABLE",
  "TEMPLATE",
  "TEXT",
  "TRANSFORM",
  "TRIGGER",
  "TYPE",
  "VIEW",
  "WRAPPER",
]);

/** Keywords that end the name list of a DROP. */
const NAME_ENDS = new Set(["CASCADE", "RESTRICT", "USING", "ON"]);

/** The code tokens of a unit (comments left out). */
function codeTokens(unit: SqlUnit): SqlToken[] {
  return sqlTokens(unit.text).filter((token) => !token.comment);
}

/**
 * Where a unit's code ends in its text: a last statement without `;` runs to the end of its piece,
 * so its text may end in a comment, inside which a clause added at the end would land.
 */
export function codeEnd(unit: SqlUnit): number {
  return codeTokens(unit).at(-1)?.end ?? unit.text.length;
}

/** The end of the first token with this keyword, and of a CONCURRENTLY right after it. */
function afterKeyword(tokens: readonly SqlToken[], keyword: string): number | undefined {
  const index = tokens.findIndex((token) => token.keyword === keyword);
  if (index < 0) return undefined;
  const next = tokens[index + 1];
  return next?.keyword === "CONCURRENTLY" ? next.end : tokens[index]?.end;
}

/** A parse-tree location (bytes into the unit's source) as a character offset into the unit's text. */
function textOffset(unit: SqlUnit, location: unknown): number | undefined {
  if (typeof location !== "number" || location < 0) return undefined;
  const sourceChars = Buffer.from(unit.source, "utf8").subarray(0, location).toString("utf8").length;
  return sourceChars - (unit.offset - unit.sourceOffset);
}

/** `ALTER TABLE … DROP [COLUMN | CONSTRAINT] name` without IF EXISTS: where IF EXISTS goes, per DROP. */
function alterDropInsertions(tokens: readonly SqlToken[]): Insertion[] | undefined {
  const insertions: Insertion[] = [];
  tokens.forEach((token, index) => {
    if (token.keyword !== "DROP") return;
    const next = tokens[index + 1];
    const after = tokens[index + 2];
    if (next?.keyword === "COLUMN" || next?.keyword === "CONSTRAINT") {
      if (after?.keyword !== "IF") insertions.push({ at: next.end, text: " IF EXISTS" });
    } else if (next?.identifier !== undefined) insertions.push({ at: token.end, text: " IF EXISTS" });
  });
  return insertions;
}

/**
 * How to guard a statement that guards.ts finds unguarded, or the reason it cannot be done
 * mechanically. Undefined when it is guarded already.
 */
export function guardFix(unit: SqlUnit): GuardFix | { unfixable: string } | undefined {
  const why = missingGuard(unit);
  if (!why) return undefined;
  if (unit.guards.inDoBlock) return { unfixable: `${why}, inside a DO block: guard it by hand` };
  const tokens = codeTokens(unit);
  const ifNotExistsAfter = (keyword: string) => {
    const at = afterKeyword(tokens, keyword);
    return at === undefined ? { unfixable: why } : { insertions: [{ at, text: " IF NOT EXISTS" }], wrap: false };
  };
  switch (unit.type) {
    case "CreateStmt":
      return ifNotExistsAfter("TABLE");
    case "IndexStmt":
      // PostgreSQL takes IF NOT EXISTS only with a name: CREATE INDEX IF NOT EXISTS ON t is refused.
      if (stringField(unit.node, "idxname") === undefined)
        return { unfixable: `${why}: an index without a name cannot take IF NOT EXISTS; name it` };
      return ifNotExistsAfter("INDEX");
    case "CreateExtensionStmt":
      return ifNotExistsAfter("EXTENSION");
    case "CreateSchemaStmt":
      return ifNotExistsAfter("SCHEMA");
    case "CreateSeqStmt":
      return ifNotExistsAfter("SEQUENCE");
    case "AlterEnumStmt":
      // RENAME VALUE has no IF EXISTS, and its second run fails with an error no DO block here catches.
      if (stringField(unit.node, "oldVal") !== undefined) return { unfixable: `${why}: guard it by hand` };
      return ifNotExistsAfter("VALUE");
    case "DropStmt": {
      let index = tokens.findIndex((token) => token.keyword === "DROP");
      // A kind word is one only when a name follows it: `DROP TABLE data;` drops a table named data.
      const nameFollows = (at: number) => {
        const next = tokens[at + 1];
        if (next === undefined || [";", ",", "."].includes(next.text) || NAME_ENDS.has(next.keyword ?? ""))
          return false;
        // `DROP CAST (a AS b)`: its object is in parentheses; after any other kind word a `(` ends a name.
        return next.text !== "(" || tokens[at]?.keyword === "CAST";
      };
      while (DROP_KIND_WORDS.has(tokens[index + 1]?.keyword ?? "") && nameFollows(index + 1)) index++;
      const at = tokens[index]?.end;
      return at === undefined ? { unfixable: why } : { insertions: [{ at, text: " IF EXISTS" }], wrap: false };
    }
    case "CreateFunctionStmt":
    case "CreateTrigStmt":
    case "ViewStmt": {
      const at = afterKeyword(tokens, "CREATE");
      return at === undefined ? { unfixable: why } : { insertions: [{ at, text: " OR REPLACE" }], wrap: false };
    }
    case "CreateEnumStmt":
    case "CreatePolicyStmt":
    case "CreateRoleStmt":
      return { insertions: [], wrap: true };
    case "AlterTableStmt":
      return alterTableGuard(unit, tokens, why);
    default:
      return { unfixable: `${why}: no mechanical guard for it` };
  }
}

function alterTableGuard(unit: SqlUnit, tokens: readonly SqlToken[], why: string): GuardFix | { unfixable: string } {
  const insertions: Insertion[] = [];
  let wrap = false;
  let drops = false;
  for (const item of arrayField(unit.node, "cmds")) {
    const command = nodeOf(item, "AlterTableCmd");
    const missingOk = command?.["missing_ok"] === true;
    switch (stringField(command, "subtype")) {
      case "AT_AddColumn": {
        if (missingOk) break;
        const at = textOffset(unit, nodeOf(command?.["def"], "ColumnDef")?.["location"]);
        if (at === undefined) return { unfixable: why };
        insertions.push({ at, text: "IF NOT EXISTS " });
        break;
      }
      case "AT_DropColumn":
      case "AT_DropConstraint":
        if (!missingOk) drops = true;
        break;
      case "AT_AddConstraint":
        wrap = true;
        break;
    }
  }
  if (drops) insertions.push(...(alterDropInsertions(tokens) ?? []));
  return { insertions, wrap };
}

/** `CREATE [UNIQUE] INDEX` → `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS`, as far as it is not already. */
export function concurrentIndexInsertions(unit: SqlUnit): Insertion[] {
  const tokens = codeTokens(unit);
  const index = tokens.findIndex((token) => token.keyword === "INDEX");
  const indexToken = tokens[index];
  if (unit.type !== "IndexStmt" || !indexToken) return [];
  if (unit.node["concurrent"] === true) {
    const at = tokens[index + 1]?.end ?? indexToken.end;
    return unit.node["if_not_exists"] === true ? [] : [{ at, text: " IF NOT EXISTS" }];
  }
  return [
    { at: indexToken.end, text: unit.node["if_not_exists"] === true ? " CONCURRENTLY" : " CONCURRENTLY IF NOT EXISTS" },
  ];
}

/** The unit's text with the insertions made. */
export function applyInsertions(text: string, insertions: readonly Insertion[]): string {
  let result = text;
  for (const insertion of [...insertions].sort((a, b) => b.at - a.at)) {
    result = result.slice(0, insertion.at) + insertion.text + result.slice(insertion.at);
  }
  return result;
}

/**
 * A statement wrapped so that running it again is a no-op: the duplicate error a second run raises
 * is caught (guards.ts accepts these conditions). The dollar quote is one the statement does not use.
 */
export function wrapInDoBlock(statement: string): string {
  const tag = dollarQuote(statement);
  return `DO ${tag} BEGIN\n  ${statement};\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND ${tag};`;
}

/** A dollar quote for a DO block around `text`: `$$`, or `$fix1$`, `$fix2$` … when the text uses it. */
export function dollarQuote(text: string): string {
  let tag = "$$";
  for (let n = 1; text.includes(tag); n++) tag = `$fix${n}$`;
  return tag;
}
