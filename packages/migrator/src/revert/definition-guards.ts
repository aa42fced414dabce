/**
 * The guard db:revert writes on a constraint or a policy it puts back: added only where nothing of
 * its name is there, and where something is, that must be the same, or the migration stops with
 * both definitions. `db:review --fix`'s guard, a DO block that catches the duplicate, would take a
 * different object of the name for the one it puts back: a `CHECK (score >= -100)` a hotfix put in
 * place of `CHECK (score >= 0)`, or a plain index holding the name of a `UNIQUE` constraint (its
 * 42P07 caught as `duplicate_table`), and the revert would pass, silently, with the wrong rule.
 *
 * How the one there is compared with the one put back:
 * - `CHECK` and `FOREIGN KEY`: PostgreSQL's own text of each (`pg_get_constraintdef`, `NOT VALID`
 *   aside), the one put back added for it under a temporary name, `NOT VALID` (no scan), and
 *   dropped again;
 * - `UNIQUE` and `PRIMARY KEY`: the kind and the columns, in order (a copy would build an index);
 *   a name that no constraint of the table holds but another relation of its schema does (an
 *   index) stops the migration too;
 * - a policy: its command, AS PERMISSIVE or RESTRICTIVE, roles, USING and WITH CHECK, a copy made
 *   under a temporary name and dropped again.
 *
 * The statement put back runs under `IF NOT EXISTS (…) THEN`, which db:review (guards.ts) takes as
 * its guard; the copy is hand-written SQL, so the block gets the comment `manual-addition-header`
 * asks for. Any other statement keeps the review's guard (guarded-statements.ts).
 */
import { type AstObject, arrayField, nameList, nodeOf, objectField, stringField } from "../sql/ast.ts";
import { clipIdentifier, MAX_IDENTIFIER_BYTES } from "../sql/identifier-length.ts";
import type { SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedIdent, quoteIdent, quoteLiteral } from "../sql/quote-ident.ts";
import { sqlTokens } from "../sql/tokens.ts";
import { codeEnd, dollarQuote } from "../review/fix/statement-fixes.ts";

/** The comment above a block that compares what is there with what it puts back (`manual-addition-header`). */
export const DEFINITION_GUARD_COMMENT =
  "-- Manual addition: db:revert: put back only where nothing of its name is there; what is there must be the same, or the migration stops, naming both.";

/** What the temporary copy's name ends with. */
const COPY_SUFFIX = "_db_revert";

/** The temporary name of a copy of `name`, within PostgreSQL's limit. */
function copyName(name: string): string {
  return `${clipIdentifier(name, MAX_IDENTIFIER_BYTES - COPY_SUFFIX.length)}${COPY_SUFFIX}`;
}

/** The unit's text with the name after `keyword` (CONSTRAINT, POLICY) replaced by `name`, and `suffix` after its code. */
function renamed(unit: SqlUnit, keyword: string, name: string, suffix = ""): string {
  const tokens = sqlTokens(unit.text).filter((token) => !token.comment);
  const at = tokens.findIndex((token) => token.keyword === keyword);
  const old = tokens[at + 1];
  const end = codeEnd(unit);
  if (!old) return unit.text.slice(0, end) + suffix;
  return unit.text.slice(0, old.start) + quoteIdent(name) + unit.text.slice(old.end, end) + suffix;
}

/** Text for a PL/pgSQL `RAISE` format string, where `%` stands for a parameter: a literal one is doubled. */
function literalPercent(text: string): string {
  return text.replaceAll("%", "%%");
}

/** The DO block around `body` (lines, indented by the caller). */
function doBlock(statement: string, body: string[]): string {
  const tag = dollarQuote([statement, ...body].join("\n"));
  return [`DO ${tag} BEGIN`, ...body, `END ${tag};`].join("\n");
}

/** The constraint an `ALTER TABLE … ADD CONSTRAINT` adds, when that is all the statement does. */
function addedConstraint(unit: SqlUnit): AstObject | undefined {
  if (unit.type !== "AlterTableStmt") return undefined;
  const commands = arrayField(unit.node, "cmds").map((item) => nodeOf(item, "AlterTableCmd"));
  const [only] = commands;
  if (commands.length !== 1 || stringField(only, "subtype") !== "AT_AddConstraint") return undefined;
  return nodeOf(only?.["def"], "Constraint");
}

/** The guard of an `ADD CONSTRAINT` (CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY); undefined for any other statement. */
function constraintGuard(unit: SqlUnit): string | undefined {
  const constraint = addedConstraint(unit);
  const name = stringField(constraint, "conname");
  const type = stringField(constraint, "contype");
  if (!constraint || !name) return undefined;
  const relation = objectField(unit.node, "relation");
  const table = qualifiedIdent(stringField(relation, "schemaname"), stringField(relation, "relname") ?? "");
  const on = `${quoteLiteral(table)}::regclass`;
  const named = (n: string) => `conrelid = ${on} AND conname = ${quoteLiteral(n)}`;
  const statement = unit.text.slice(0, codeEnd(unit));
  const what = literalPercent(`constraint ${quoteIdent(name)} on ${table}`);
  const differs = `db:revert: ${what} exists with another definition than the one this migration puts back: %`;
  const definition = (n: string) =>
    `(SELECT regexp_replace(pg_get_constraintdef(oid), ' NOT VALID$', '') FROM pg_constraint WHERE ${named(n)})`;
  if (type === "CONSTR_CHECK" || type === "CONSTR_FOREIGN") {
    const copy = copyName(name);
    const notValid = constraint["skip_validation"] === true ? "" : " NOT VALID";
    return doBlock(statement, [
      `  IF NOT EXISTS (SELECT FROM pg_constraint WHERE ${named(name)}) THEN`,
      `    ${statement};`,
      "  ELSE",
      `    ${renamed(unit, "CONSTRAINT", copy, notValid)};`,
      `    IF ${definition(name)} IS DISTINCT FROM ${definition(copy)} THEN`,
      `      RAISE EXCEPTION ${quoteLiteral(`${differs} (it puts back: %)`)}, ${definition(name)}, ${definition(copy)};`,
      "    END IF;",
      `    ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(copy)};`,
      "  END IF;",
    ]);
  }
  if (type !== "CONSTR_UNIQUE" && type !== "CONSTR_PRIMARY") return undefined;
  const columns = nameList(constraint["keys"]);
  const kind = type === "CONSTR_PRIMARY" ? "p" : "u";
  const keyColumns =
    "ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)";
  const expected = `ARRAY[${columns.map(quoteLiteral).join(", ")}]::text[]`;
  const holder = `FROM pg_class WHERE relname = ${quoteLiteral(name)} AND relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = ${on})`;
  const putBack = literalPercent(
    `${type === "CONSTR_PRIMARY" ? "PRIMARY KEY" : "UNIQUE"} (${columns.map(quoteIdent).join(", ")})`,
  );
  return doBlock(statement, [
    `  IF NOT EXISTS (SELECT FROM pg_constraint WHERE ${named(name)}) THEN`,
    `    IF EXISTS (SELECT ${holder}) THEN`,
    `      RAISE EXCEPTION ${quoteLiteral(`db:revert: cannot put back ${what}: its name is taken by %`)}, (SELECT coalesce(pg_get_indexdef(oid), relkind::text || ' ' || oid::regclass::text) ${holder});`,
    "    END IF;",
    `    ${statement};`,
    `  ELSIF NOT EXISTS (SELECT FROM pg_constraint c WHERE c.${named(name)} AND c.contype = '${kind}' AND ${keyColumns} = ${expected}) THEN`,
    `    RAISE EXCEPTION ${quoteLiteral(`${differs} (it puts back: ${putBack})`)}, (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE ${named(name)});`,
    "  END IF;",
  ]);
}

/** The guard of a `CREATE POLICY`; undefined for any other statement. */
function policyGuard(unit: SqlUnit): string | undefined {
  if (unit.type !== "CreatePolicyStmt") return undefined;
  const name = stringField(unit.node, "policy_name") ?? "";
  const relation = objectField(unit.node, "table");
  const table = qualifiedIdent(stringField(relation, "schemaname"), stringField(relation, "relname") ?? "");
  const named = (n: string) => `p.polrelid = ${quoteLiteral(table)}::regclass AND p.polname = ${quoteLiteral(n)}`;
  const statement = unit.text.slice(0, codeEnd(unit));
  const copy = copyName(name);
  const roles =
    "array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END FROM unnest(p.polroles) AS r ORDER BY 1), ', ')";
  const command =
    "CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END";
  // A clause the policy has not drops out (concat_ws skips NULL).
  const definition = (n: string) =>
    `(SELECT concat_ws(' ', CASE WHEN p.polpermissive THEN 'AS PERMISSIVE' ELSE 'AS RESTRICTIVE' END, 'FOR ' || ${command}, 'TO ' || ${roles}, 'USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', 'WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')') FROM pg_policy p WHERE ${named(n)})`;
  const what = literalPercent(`policy ${quoteIdent(name)} on ${table}`);
  const differs = `db:revert: ${what} exists with another definition than the one this migration puts back: % (it puts back: %)`;
  return doBlock(statement, [
    `  IF NOT EXISTS (SELECT FROM pg_policy p WHERE ${named(name)}) THEN`,
    `    ${statement};`,
    "  ELSE",
    `    ${renamed(unit, "POLICY", copy)};`,
    `    IF ${definition(name)} IS DISTINCT FROM ${definition(copy)} THEN`,
    `      RAISE EXCEPTION ${quoteLiteral(differs)}, ${definition(name)}, ${definition(copy)};`,
    "    END IF;",
    `    DROP POLICY ${quoteIdent(copy)} ON ${table};`,
    "  END IF;",
  ]);
}

/**
 * The DO block that puts back the constraint (`CHECK`, `FOREIGN KEY`, `UNIQUE`, `PRIMARY KEY`,
 * alone in its `ALTER TABLE`) or the policy a top-level unit adds, comparing what is there under
 * its name; undefined for any other statement. The parser must be loaded.
 */
export function definitionGuard(unit: SqlUnit): string | undefined {
  return constraintGuard(unit) ?? policyGuard(unit);
}
