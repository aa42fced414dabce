import { stringField } from "../../sql/ast.ts";
import type { ParsedMigration } from "../../sql/parse-migration.ts";
import { dropKind } from "../guards.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import {
  createdShapes,
  type DroppedObject,
  droppedObjects,
  migrationCreations,
  type ObjectEvent,
} from "./migration-objects.ts";

/** Objects that hold no data: dropped and created again in one migration, they are replaced, not gone. */
const REPLACEABLE = new Set(["index", "constraint", "trigger", "policy", "function", "view", "rule", "type"]);

/** Each migration's creations (by name and by shape), computed once per migration. */
const creationsOf = new WeakMap<ParsedMigration, { named: ObjectEvent[]; shapes: ObjectEvent[] }>();

/** Any DROP: data or schema that a deployed application may still use is gone for good. */
export const dropStatement: Rule = {
  id: "drop-statement",
  defaultSeverity: "error",
  source: "static",
  summary: "DROP of a table, column, type, index, constraint, function, trigger, schema or policy",
  explanation:
    "A DROP deletes data or a schema object that the running version of the application may still read. " +
    "Migrations are forward-only and deploy before the new code, so a drop must come in a later release, " +
    "once nothing uses the object, and someone must decide that on purpose. Not reported: an object the same " +
    "migration created (a helper procedure, a temporary table), and an index, constraint, trigger, policy, " +
    "function, view or type that the same migration creates again under its name (a replacement, such as Drizzle " +
    "Kit's drop and re-add of a foreign key to change ON DELETE), unless the DROP cascades to other objects.",
  help: "Remove the DROP now and drop the object in a later migration once no deployed code uses it; if it is intended, add `-- review-ignore drop-statement: <why>` above it.",
  examples: {
    failing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'],
      sql: 'ALTER TABLE "plan_step" DROP COLUMN "error";',
    },
    passing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'],
      sql: 'ALTER TABLE "plan_step" ADD COLUMN "error_code" text;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const dropped = droppedObjects(unit, state.objectNames());
    if (dropped.length === 0) return [];
    // What the migration creates is gathered once per migration, and only for one that drops something.
    let creations = creationsOf.get(migration);
    if (!creations) {
      creations = { named: migrationCreations(migration), shapes: createdShapes(migration) };
      creationsOf.set(migration, creations);
    }
    const { named, shapes } = creations;
    const gone = dropped.filter((object) => isForGood(object, named) && !isReplacedUnderAnotherName(object, shapes));
    if (gone.length === 0) return [];
    if (unit.type === "DropStmt") {
      const kind = dropKind(stringField(unit.node, "removeType"));
      return [{ statement, message: `DROP ${kind} ${gone.map((o) => o.label).join(", ")} deletes it for good` }];
    }
    return gone.map((object): RuleHit => ({
      statement,
      position: unitPosition(migration, unit),
      message: `DROP ${object.key.startsWith("column:") ? "COLUMN" : "CONSTRAINT"} ${object.label} on "${object.table ?? ""}" deletes it for good`,
    }));
  },
};

/**
 * Whether a drop removes something a deployed application may use: not an object this migration
 * created before dropping it, nor a replaceable object it creates again (unless the drop cascades;
 * a policy has nothing to cascade to, though Drizzle Kit writes `DROP POLICY … CASCADE`).
 */
function isForGood(object: DroppedObject, creations: readonly ObjectEvent[]): boolean {
  const same = creations.filter((created) => created.key === object.key);
  if (same.some((created) => created.offset < object.offset)) return false;
  const kind = object.key.slice(0, object.key.indexOf(":"));
  const replaced = same.some((created) => created.offset > object.offset);
  return !(replaced && REPLACEABLE.has(kind) && (!object.cascade || kind === "policy"));
}

/**
 * Whether the migration creates, after the drop, an index or constraint that is the dropped one
 * under a new name (Drizzle Kit renames a foreign key this way after a table is renamed).
 */
function isReplacedUnderAnotherName(object: DroppedObject, shapes: readonly ObjectEvent[]): boolean {
  return (
    object.shape !== undefined &&
    !object.cascade &&
    shapes.some((created) => created.key === object.shape && created.offset > object.offset)
  );
}
