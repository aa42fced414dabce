import { type AstObject, objectField, stringField } from "../../sql/ast.ts";
import { SHORTEST_CUT_IDENTIFIER_BYTES } from "../../sql/identifier-length.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { missingGuard } from "../guards.ts";
import {
  constraintDefinition,
  indexDefinition,
  isIndexBacked,
  type NamedObject,
  qualifiedName,
  tableName,
} from "../object-names.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import type { SchemaState } from "../schema-state.ts";
import { declaredConstraints } from "./statement-parts.ts";

/** Index and constraint names must be new (their length is identifier-too-long's). */
export const indexNameCollision: Rule = {
  id: "index-name-collision",
  defaultSeverity: "error",
  source: "static",
  summary: "an index or constraint name already used earlier in the history",
  explanation:
    "Index names share one namespace per schema (with the indexes of primary key, unique and exclusion constraints), " +
    "other constraint names one per table; a name is free again once its object is dropped. A second `CREATE INDEX` " +
    "with a taken name fails — or, with IF NOT EXISTS and another definition, silently keeps the old index. " +
    "(Names longer than 63 bytes: identifier-too-long.)",
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
    const names: { name: string; kind: string; location: unknown; node: AstObject }[] = [];
    if (unit.type === "IndexStmt") {
      const name = stringField(unit.node, "idxname");
      if (name) names.push({ name, kind: "index", location: undefined, node: unit.node });
    }
    for (const { constraint } of declaredConstraints(unit)) {
      const name = stringField(constraint, "conname");
      if (name) names.push({ name, kind: "constraint", location: constraint["location"], node: constraint });
    }
    const hits: RuleHit[] = [];
    for (const { name: parsed, kind, location, node } of names) {
      const name = untruncated(unit.text, parsed);
      const position = unitPosition(migration, unit, location);
      const origin = takenBy(unit, kind, parsed, node, state)?.origin;
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
 * The parser cuts identifiers to 63 bytes, as PostgreSQL does (to 60 at least: it never splits a
 * character); the full name is read back from the statement's text.
 */
function untruncated(text: string, name: string): string {
  if (Buffer.byteLength(name, "utf8") < SHORTEST_CUT_IDENTIFIER_BYTES) return name;
  const at = text.indexOf(name);
  if (at < 0) return name;
  const quoted = text[at - 1] === '"';
  let end = at + name.length;
  while (end < text.length && (quoted ? text[end] !== '"' : /[\w$]/.test(text[end] ?? ""))) end++;
  return text.slice(at, end);
}

/**
 * What already holds the name a statement declares, where that is a collision: the same index
 * name in the schema, or the same constraint name on the table (or, for a primary key, unique or
 * exclusion constraint, an index of that name in the schema). A guarded restatement (IF NOT
 * EXISTS, a DO block that catches duplicate_object) of the very same definition changes nothing
 * and is not a collision; `CREATE TABLE IF NOT EXISTS` of an existing table declares nothing.
 */
function takenBy(
  unit: SqlUnit,
  kind: string,
  name: string,
  node: AstObject,
  state: SchemaState,
): NamedObject | undefined {
  const relation = objectField(unit.node, "relation");
  const table = qualifiedName(relation);
  const schema = table.slice(0, table.indexOf("."));
  const guarded = missingGuard(unit) === undefined;
  if (unit.type === "CreateStmt" && guarded && state.hasTable(tableName(relation))) return undefined;
  const names = state.objectNames();
  const sameIfGuarded = (taken: NamedObject | undefined, definition: string) =>
    taken && !(guarded && taken.table === table && taken.definition === definition) ? taken : undefined;
  if (kind === "index") return sameIfGuarded(names.index(schema, name), indexDefinition(node));
  const definition = constraintDefinition(node);
  const constraint = sameIfGuarded(names.constraint(table, name), definition);
  if (constraint) return constraint;
  return isIndexBacked(node) ? sameIfGuarded(names.index(schema, name), definition) : undefined;
}
