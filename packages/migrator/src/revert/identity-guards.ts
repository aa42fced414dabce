/**
 * An identity column's revert, written so it runs again and hands out no value the column holds.
 * Drizzle Kit writes `ALTER COLUMN "id" DROP IDENTITY`, which fails once the identity is gone, and
 * `ALTER COLUMN "id" ADD GENERATED … AS IDENTITY (… START WITH 1 …)`, which fails once it is there
 * and, on a table whose rows kept their ids while it had none, makes a sequence that starts over at
 * values already taken: the next insert collides. So the drop gets `IF EXISTS` (its loss, the
 * sequence and its current value, is data-loss.ts's), and the add runs in a DO block only when the
 * column has no identity, then sets the new sequence past the values the column holds.
 */
import { arrayField, nodeOf, objectField, stringField } from "../sql/ast.ts";
import type { SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedIdent, quoteIdent, quoteLiteral } from "../sql/quote-ident.ts";
import { sqlTokens } from "../sql/tokens.ts";
import { codeEnd, dollarQuote, type Insertion } from "../review/fix/statement-fixes.ts";

/** The comment above an identity put back, which db:review asks of hand-written SQL (`manual-addition-header`). */
export const IDENTITY_RESTART_COMMENT =
  "-- Manual addition: db:revert: added only where the column has no identity, its sequence then set past the values the column holds.";

/** The `ALTER TABLE` commands of a unit with their subtype. */
function commands(unit: SqlUnit): { subtype?: string; command?: Record<string, unknown> }[] {
  if (unit.type !== "AlterTableStmt") return [];
  return arrayField(unit.node, "cmds").map((item) => {
    const command = nodeOf(item, "AlterTableCmd");
    return { subtype: stringField(command, "subtype"), command };
  });
}

/** Where `IF EXISTS` goes in each `DROP IDENTITY` of the unit that has none. */
export function dropIdentityInsertions(unit: SqlUnit): Insertion[] {
  if (!commands(unit).some((c) => c.subtype === "AT_DropIdentity" && c.command?.["missing_ok"] !== true)) return [];
  const tokens = sqlTokens(unit.text).filter((token) => !token.comment);
  return tokens.flatMap((token, i) => {
    const next = tokens[i + 1];
    return token.keyword === "DROP" && next?.keyword === "IDENTITY" && tokens[i + 2]?.keyword !== "IF"
      ? [{ at: next.end, text: " IF EXISTS" }]
      : [];
  });
}

/**
 * The DO block that puts back an identity (`ALTER TABLE t ALTER COLUMN c ADD GENERATED … AS
 * IDENTITY`, alone in its statement) only when the column has none, then sets its sequence to the
 * largest value the column holds (the smallest, for a descending one), where that is within the
 * sequence's bounds; undefined for any other statement.
 */
export function addIdentityBlock(unit: SqlUnit): string | undefined {
  const all = commands(unit);
  const [only] = all;
  if (all.length !== 1 || only?.subtype !== "AT_AddIdentity") return undefined;
  const relation = objectField(unit.node, "relation");
  const table = qualifiedIdent(stringField(relation, "schemaname"), stringField(relation, "relname") ?? "");
  const column = stringField(only.command, "name") ?? "";
  const statement = unit.text.slice(0, codeEnd(unit));
  const tag = dollarQuote(statement);
  const sequence = `pg_get_serial_sequence(${quoteLiteral(table)}, ${quoteLiteral(column)})::regclass`;
  return [
    `DO ${tag} BEGIN`,
    `  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = ${quoteLiteral(table)}::regclass AND attname = ${quoteLiteral(column)} AND attidentity <> '') THEN`,
    `    ${statement};`,
    `    PERFORM setval(s.seqrelid, CASE WHEN s.seqincrement > 0 THEN v.high ELSE v.low END)`,
    `      FROM pg_sequence s, (SELECT max(${quoteIdent(column)}) AS high, min(${quoteIdent(column)}) AS low FROM ${table}) v`,
    `      WHERE s.seqrelid = ${sequence}`,
    `        AND CASE WHEN s.seqincrement > 0 THEN v.high >= s.seqmin ELSE v.low <= s.seqmax END;`,
    `  END IF;`,
    `END ${tag};`,
  ].join("\n");
}
