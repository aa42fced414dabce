import { clipIdentifier, MAX_IDENTIFIER_BYTES, SHORTEST_CUT_IDENTIFIER_BYTES } from "../../sql/identifier-length.ts";
import { sqlTokens } from "../../sql/tokens.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/**
 * Whether the statement can hold an identifier over 63 bytes: only if its parse tree has a string
 * of 60 bytes or more, since every identifier reaches the tree (cut to 63 bytes). Running the
 * lexer over each statement to see its identifiers as written costs more than parsing it, so it
 * runs only where this says it can find one; a DO block's or a function's body, a long string
 * constant, count as such strings (the lexer then looks).
 */
function mayHoldLongIdentifier(tree: unknown): boolean {
  // A walk with its own stack: an expression of thousands of terms nests the tree as deep.
  const pending = [tree];
  for (let value = pending.pop(); pending.length > 0 || value !== undefined; value = pending.pop()) {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a pair of them 4): shorter strings cannot qualify.
    if (typeof value === "string") {
      if (
        value.length * 3 >= SHORTEST_CUT_IDENTIFIER_BYTES &&
        Buffer.byteLength(value, "utf8") >= SHORTEST_CUT_IDENTIFIER_BYTES
      )
        return true;
    } else if (Array.isArray(value)) pending.push(...(value as unknown[]));
    else if (typeof value === "object" && value !== null) pending.push(...Object.values(value));
  }
  return false;
}

/** Any identifier over 63 bytes is silently cut by PostgreSQL. */
export const identifierTooLong: Rule = {
  id: "identifier-too-long",
  defaultSeverity: "error",
  source: "static",
  summary: "an identifier (table, column, index, constraint, policy, type…) longer than 63 bytes",
  explanation:
    "PostgreSQL keeps the first 63 bytes of every identifier and drops the rest with only a NOTICE. The name in the " +
    "catalog then differs from the one in the schema and the snapshots, so later migrations, Drizzle Kit's diff and " +
    "error messages disagree, and two long names with the same first 63 bytes are the same name. The limit is in " +
    "bytes: a name with accents or other non-ASCII letters reaches it with fewer characters.",
  help: 'Give the object a shorter name in the schema (table, column, `index("…")`, `foreignKey({ name: … })`) and regenerate.',
  examples: {
    failing: {
      history: ['CREATE TABLE "research_artifact" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: 'ALTER TABLE "research_artifact" ADD COLUMN "source_document_revision_identifier_reported_by_the_upstream_provider" text;',
    },
    passing: {
      history: ['CREATE TABLE "research_artifact" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: 'ALTER TABLE "research_artifact" ADD COLUMN "upstream_revision_id" text;',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (!mayHoldLongIdentifier(unit.node)) return [];
    const textStart = unit.offset - unit.sourceOffset;
    const textByteStart = Buffer.byteLength(unit.source.slice(0, textStart), "utf8");
    const seen = new Set<string>();
    const hits: RuleHit[] = [];
    for (const token of sqlTokens(unit.text)) {
      const name = token.identifier;
      if (name === undefined || seen.has(name)) continue;
      const bytes = Buffer.byteLength(name, "utf8");
      if (bytes <= MAX_IDENTIFIER_BYTES) continue;
      seen.add(name);
      const location = textByteStart + Buffer.byteLength(unit.text.slice(0, token.start), "utf8");
      hits.push({
        statement,
        position: unitPosition(migration, unit, location),
        message: `identifier "${name}" is ${bytes} bytes: PostgreSQL keeps only the first ${MAX_IDENTIFIER_BYTES}, "${clipIdentifier(name)}"`,
      });
    }
    return hits;
  },
};
