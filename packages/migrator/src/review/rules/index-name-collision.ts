import { stringField } from "../../sql/ast.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { declaredConstraints } from "./statement-parts.ts";

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;

/** Index and constraint names must be new (their length is identifier-too-long's). */
export const indexNameCollision: Rule = {
  id: "index-name-collision",
  defaultSeverity: "error",
  source: "static",
  summary: "an index or constraint name already used earlier in the history",
  explanation:
    "Index names share one namespace per schema, and a second `CREATE INDEX` with a taken name fails — or, with " +
    "IF NOT EXISTS, silently keeps the old index. (Names longer than 63 bytes: identifier-too-long.)",
  help: 'Give the index or constraint a new, shorter name in the schema (`index("…")`, `foreignKey({ name: … })`) and regenerate.',
  examples: {
    failing: {
      history: [
        'CREATE TABLE "research_artifact" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);\n--> statement-breakpoint\nCREATE INDEX "research_artifact_planId_idx" ON "research_artifact" USING btree ("plan_id");',
      ],
      sql: 'CREATE TABLE "research_output" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);\n--> statement-breakpoint\nCREATE INDEX "research_artifact_planId_idx" ON "research_output" USING btree ("plan_id");',
    },
    passing: {
      history: [
        'CREATE TABLE "research_artifact" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);\n--> statement-breakpoint\nCREATE INDEX "research_artifact_planId_idx" ON "research_artifact" USING btree ("plan_id");',
      ],
      sql: 'CREATE TABLE "research_output" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);\n--> statement-breakpoint\nCREATE INDEX "research_output_planId_idx" ON "research_output" USING btree ("plan_id");',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const names: { name: string; kind: string; location: unknown }[] = [];
    if (unit.type === "IndexStmt") {
      const name = stringField(unit.node, "idxname");
      if (name) names.push({ name, kind: "index", location: undefined });
    }
    for (const { constraint } of declaredConstraints(unit)) {
      const name = stringField(constraint, "conname");
      if (name) names.push({ name, kind: "constraint", location: constraint["location"] });
    }
    const hits: RuleHit[] = [];
    for (const { name: parsed, kind, location } of names) {
      const name = untruncated(unit.text, parsed);
      const position = unitPosition(migration, unit, location);
      const origin = state.nameOrigin(parsed);
      if (origin) {
        hits.push({
          statement,
          position,
          message: `${kind} name "${name}" is already used (${origin.file}:${origin.position.line})`,
        });
      }
    }
    return hits;
  },
};

/**
 * The parser truncates identifiers to 63 bytes, as PostgreSQL does; the full name is read back
 * from the statement's text.
 */
function untruncated(text: string, name: string): string {
  if (Buffer.byteLength(name, "utf8") < MAX_IDENTIFIER_BYTES) return name;
  const at = text.indexOf(name);
  if (at < 0) return name;
  const quoted = text[at - 1] === '"';
  let end = at + name.length;
  while (end < text.length && (quoted ? text[end] !== '"' : /[\w$]/.test(text[end] ?? ""))) end++;
  return text.slice(at, end);
}
