import { type AstObject, arrayField, findNodes, nameList, nodeOf, stringField } from "../../sql/ast.ts";
import { routineDefinition, routineTarget } from "../../sql/opaque-routines.ts";
import type { ParsedMigration, SqlUnit } from "../../sql/parse-migration.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { addedColumns } from "./statement-parts.ts";

/**
 * Functions whose value differs per row, so that a default calling one is computed for every
 * existing row, with the extension that provides each (for the message). Each is VOLATILE in every
 * overload (`pg_proc.provolatile = 'v'`, read on PostgreSQL 15 with the extensions installed);
 * their IMMUTABLE neighbours stay out (pgcrypto's `crypt`, `digest`, `hmac`; uuid-ossp's
 * `uuid_generate_v3`, `uuid_generate_v5`), as do STABLE built-ins such as `now()`, whose one value
 * PostgreSQL stores without touching the rows.
 */
const VOLATILE_FUNCTIONS = new Map([
  // built in
  ["gen_random_uuid", ""],
  ["uuidv4", ""], // PostgreSQL 18
  ["uuidv7", ""], // PostgreSQL 18
  ["random", ""],
  ["clock_timestamp", ""],
  ["timeofday", ""],
  ["current_query", ""],
  ["nextval", ""],
  ["currval", ""],
  ["lastval", ""],
  ["setval", ""],
  // pgcrypto (its gen_random_uuid too)
  ["gen_random_bytes", " (pgcrypto)"],
  ["gen_salt", " (pgcrypto)"],
  ["pgp_sym_encrypt", " (pgcrypto)"],
  ["pgp_sym_encrypt_bytea", " (pgcrypto)"],
  ["pgp_pub_encrypt", " (pgcrypto)"],
  ["pgp_pub_encrypt_bytea", " (pgcrypto)"],
  // uuid-ossp
  ["uuid_generate_v1", " (uuid-ossp)"],
  ["uuid_generate_v1mc", " (uuid-ossp)"],
  ["uuid_generate_v4", " (uuid-ossp)"],
]);

/** A function the migration creates: its name, and its volatility as declared or PostgreSQL's default. */
interface CreatedFunction {
  name: string;
  /** `volatile`, `stable` or `immutable`. */
  volatility: string;
  /** Whether a CREATE or ALTER FUNCTION said so (rather than PostgreSQL's default, VOLATILE). */
  declared: boolean;
}

/** Adding a column with a volatile default rewrites the whole table under an exclusive lock. */
export const volatileDefaultRewrite: Rule = {
  id: "volatile-default-rewrite",
  defaultSeverity: "error",
  source: "static",
  summary: "ADD COLUMN with a volatile default (e.g. gen_random_uuid()) on a table that already existed",
  explanation:
    "PostgreSQL stores a constant default without touching the rows, but a volatile default (`gen_random_uuid()`, " +
    "`random()`, `clock_timestamp()`, a sequence, pgcrypto's `gen_random_bytes()`, uuid-ossp's `uuid_generate_v4()`, " +
    "or a function the migration creates without IMMUTABLE or STABLE) must be computed for every existing row: the " +
    "table is rewritten while an ACCESS EXCLUSIVE lock blocks all reads and writes. On a large table that is an outage.",
  help: "Add the column nullable without the default, backfill it in batches, then SET DEFAULT and SET NOT NULL in later migrations.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);'],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "correlation_id" uuid DEFAULT gen_random_uuid() NOT NULL;',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);'],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "correlation_id" uuid;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const hits: RuleHit[] = [];
    let created: Map<string, CreatedFunction> | undefined;
    for (const { table, column, constraints } of addedColumns(unit)) {
      if (!state.existedBefore(table, migration.file)) continue;
      for (const constraint of constraints) {
        if (stringField(constraint, "contype") !== "CONSTR_DEFAULT") continue;
        for (const call of findNodes(constraint["raw_expr"], "FuncCall")) {
          const name = nameList(call.body["funcname"]).at(-1) ?? "";
          const why =
            VOLATILE_FUNCTIONS.get(name) ?? createdVolatile((created ??= functionsBefore(migration, unit)), name);
          if (why === undefined) continue;
          hits.push({
            statement,
            position: unitPosition(migration, unit, call.body["location"]),
            message: `"${table}"."${column}" gets the volatile default ${name}()${why}: the existing table "${table}" is rewritten under an ACCESS EXCLUSIVE lock`,
          });
        }
      }
    }
    return hits;
  },
};

/**
 * Why a call of `name` is volatile when a function the migration created by that name is (any
 * overload: the call's argument types are not resolved), for the message; undefined otherwise. A
 * function an earlier migration created is not seen (the schema state does not record routines'
 * volatility), so a call of one, like a call of any function the review does not know, is not
 * reported.
 */
function createdVolatile(created: Map<string, CreatedFunction>, name: string): string | undefined {
  const routine = [...created.values()].find((r) => r.name === name && r.volatility === "volatile");
  if (!routine) return undefined;
  return routine.declared
    ? " (this migration declares it VOLATILE)"
    : " (this migration creates it without IMMUTABLE or STABLE, so it is VOLATILE)";
}

/** The functions the migration defines before `unit`, by signature, as CREATE and ALTER FUNCTION leave them. */
function functionsBefore(migration: ParsedMigration, unit: SqlUnit): Map<string, CreatedFunction> {
  const created = new Map<string, CreatedFunction>();
  for (const statement of migration.statements) {
    for (const earlier of statement.units) {
      if (earlier === unit) return created;
      applyRoutineStatement(created, earlier);
    }
  }
  return created;
}

/** The routine kinds an ALTER FUNCTION may name a function by. */
const FUNCTION_OBJECTS = new Set(["OBJECT_FUNCTION", "OBJECT_ROUTINE"]);

/** Records what a CREATE or ALTER FUNCTION says of a function's volatility. */
function applyRoutineStatement(created: Map<string, CreatedFunction>, unit: SqlUnit): void {
  const { node } = unit;
  if (unit.type === "CreateFunctionStmt") {
    const routine = node["is_procedure"] === true ? undefined : routineDefinition(unit);
    if (!routine) return;
    const declared = volatilityOf(node["options"]);
    created.set(routine.signature, {
      name: routine.name,
      volatility: declared ?? "volatile",
      declared: declared !== undefined,
    });
  } else if (unit.type === "AlterFunctionStmt" && FUNCTION_OBJECTS.has(stringField(node, "objtype") ?? "")) {
    const volatility = volatilityOf(node["actions"]);
    if (!volatility) return;
    // Its `func` holds an ObjectWithArgs's fields, not the wrapped node routineTarget reads.
    for (const signature of matching(created, { ObjectWithArgs: node["func"] })) {
      const routine = created.get(signature)!;
      created.set(signature, { ...routine, volatility, declared: true });
    }
  }
}

/** The VOLATILE, STABLE or IMMUTABLE among a CREATE or ALTER FUNCTION's options, lower-cased. */
function volatilityOf(options: unknown): string | undefined {
  const option = arrayField({ options }, "options")
    .map((item) => nodeOf(item, "DefElem"))
    .find((item): item is AstObject => stringField(item, "defname") === "volatility");
  return stringField(nodeOf(option?.["arg"], "String"), "sval")?.toLowerCase();
}

/** The signatures of `created` an ALTER FUNCTION names: one overload, or every overload of the name. */
function matching(created: Map<string, CreatedFunction>, object: unknown): string[] {
  const target = routineTarget(object);
  if (!target) return [];
  return [...created]
    .filter(([signature, routine]) =>
      target.signature ? signature === target.signature : routine.name === target.name,
    )
    .map(([signature]) => signature);
}
