import { clipIdentifier, sqlTokens } from "../../sql/tokens.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;

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
        message: `identifier "${name}" is ${bytes} bytes: PostgreSQL keeps only the first ${MAX_IDENTIFIER_BYTES}, "${clipIdentifier(name, MAX_IDENTIFIER_BYTES)}"`,
      });
    }
    return hits;
  },
};
