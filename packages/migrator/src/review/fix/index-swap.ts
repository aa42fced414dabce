/**
 * The online form of an index Drizzle Kit redefines on an existing table: it drops the index and
 * creates it again under the same name (`DROP INDEX "i"; CREATE INDEX "i" …`). Moving the build
 * alone to the no-transaction follow-up would leave the table without the index (a unique one:
 * without the uniqueness) from the migration's commit until the follow-up has built it, behind a
 * DROP that locked the table ACCESS EXCLUSIVE. Instead the migration renames the old index out of
 * the way (`ALTER INDEX … RENAME` takes SHARE UPDATE EXCLUSIVE on the index alone, which blocks
 * no query), and the follow-up builds the new definition CONCURRENTLY under the name, then drops
 * the old one CONCURRENTLY: the table always has one of the two.
 *
 * Re-runs: the rename commits with its migration's bookkeeping row, so it is never run again after
 * the follow-up has begun; each step of the follow-up is keyed by the name a finished step leaves,
 * so a second run finds the index built (IF NOT EXISTS) and the old one gone (IF EXISTS) and builds
 * nothing twice. A failed build leaves an INVALID index of the name, which the runner drops before
 * it retries and refuses to record; a failed DROP … CONCURRENTLY is finished by the next run.
 *
 * The swap is made only where the old index, renamed and kept until the follow-up, changes nothing
 * else: nothing keeps PostgreSQL from dropping it then (index-dependents.ts), no statement between
 * the DROP and the CREATE changes its table (a column's new type would rebuild it), and, for a
 * unique one, no later statement of the migration writes rows it would still check.
 */
import { basename } from "node:path";
import { arrayField, objectField, objectNameList, stringField } from "../../sql/ast.ts";
import { clipIdentifier, MAX_IDENTIFIER_BYTES } from "../../sql/identifier-length.ts";
import type { ReviewStatement, SqlUnit } from "../../sql/parse-migration.ts";
import { quoteIdent, quoteLiteral } from "../../sql/quote-ident.ts";
import { qualifiedListName, tableNameOfList } from "../object-names.ts";
import type { SchemaState } from "../schema-state.ts";
import { droppedIndex } from "./dropped-index.ts";
import { indexDependents } from "./index-dependents.ts";
import { mentions } from "./mentions.ts";
import { needsIndexInPlace } from "./needs-index-in-place.ts";
import { dollarQuote } from "./statement-fixes.ts";
import { firstWrite } from "./table-writes.ts";

/** What the old index is called while the new one is built: `<name>_old`. */
const OLD_SUFFIX = "_old";

/** An index the migration drops and then creates again under its name. */
interface Redefinition {
  /** The positions of the DROP and of the CREATE among the migration's statements. */
  drop: number;
  create: number;
  /** The index as the DROP names it: `[schema?, name]`. */
  names: string[];
  /** The DROP INDEX itself: the statement at `drop`, one inside its DO block, or one of the body of a routine it calls. */
  unit: SqlUnit;
}

/** What replaces a redefinition's DROP, and what follows its moved CREATE. */
export interface IndexSwap {
  /** The index's name. */
  name: string;
  /** The old index's name meanwhile… */
  temporary: string;
  /** …and with its schema (`schema.name`), as {@link SwapContext.planned} keys it. */
  key: string;
  /** In place of the DROP: the DO block that renames the old index, under its header. */
  rename: string;
  /** In the follow-up right after the build: the DROP … CONCURRENTLY of the old index. */
  drop: string;
}

/**
 * The indexes the migration drops and later creates again under the same name (in the same
 * schema), each with the last DROP before its CREATE. Only a CREATE alone in its piece counts: one
 * sharing its piece is never moved.
 */
export function redefinitions(statements: readonly ReviewStatement[]): Redefinition[] {
  const dropped = new Map<string, { drop: number; names: string[]; unit: SqlUnit }>();
  const found: Redefinition[] = [];
  statements.forEach((statement, position) => {
    for (const unit of statement.units) {
      if (unit.type === "DropStmt" && stringField(unit.node, "removeType") === "OBJECT_INDEX") {
        for (const object of arrayField(unit.node, "objects")) {
          const names = objectNameList(object);
          dropped.set(qualifiedListName(names), { drop: position, names, unit });
        }
      }
      const name = stringField(unit.node, "idxname");
      if (unit.type !== "IndexStmt" || unit.guards.inDoBlock || !name) continue;
      const schema = stringField(objectField(unit.node, "relation"), "schemaname");
      const key = qualifiedListName(schema ? [schema, name] : [name]);
      const drop = dropped.get(key);
      dropped.delete(key);
      if (drop && statement.units.length === 1) found.push({ ...drop, create: position });
    }
  });
  return found;
}

/**
 * `<name>_old`, cut to fit PostgreSQL's 63 bytes (the name first as PostgreSQL stores it).
 *
 * @example temporaryName("doc_source_idx") // "doc_source_idx_old"
 */
function temporaryName(name: string): string {
  const room = MAX_IDENTIFIER_BYTES - Buffer.byteLength(OLD_SUFFIX, "utf8");
  return `${clipIdentifier(clipIdentifier(name), room)}${OLD_SUFFIX}`;
}

/** What {@link indexSwap} judges a redefinition by, besides the redefinition. */
export interface SwapContext {
  /** The migration's statements. */
  statements: readonly ReviewStatement[];
  /** The schema right before the DROP. */
  state: SchemaState;
  /** Every statement run before the DROP: the earlier migrations' and this one's. */
  earlier: readonly SqlUnit[];
  /** The swaps already planned in the migration: each old index's name meanwhile (`schema.name`), and its name. */
  planned: ReadonlyMap<string, string>;
  /** Names a statement in a message (`file:line`). */
  where: (statement: ReviewStatement) => string;
}

/**
 * The swap for a redefinition whose CREATE moves to the follow-up, or why --fix cannot make one
 * (then neither statement may move: the build moved alone leaves the table without the index in
 * between).
 */
export function indexSwap(redefinition: Redefinition, context: SwapContext): IndexSwap | { refused: string } {
  const { statements, state, where } = context;
  const { names, unit: dropUnit } = redefinition;
  const name = names.at(-1) ?? "";
  const drop = statements[redefinition.drop]!;
  const [unit, ...others] = drop.units;
  if (dropUnit.routine !== undefined) {
    const createdIn = dropUnit.routineCreatedIn === undefined ? "" : ` (${basename(dropUnit.routineCreatedIn)})`;
    return {
      refused: `its DROP INDEX is in the body of routine "${dropUnit.routine}"${createdIn}, which ${where(drop)} calls, and --fix cannot rename the index there: drop it with a DROP INDEX of its own in the migration instead`,
    };
  }
  if (unit?.type === "DoStmt")
    return { refused: "its DROP INDEX is inside a DO block, whose conditions --fix cannot carry over" };
  if (others.length > 0 || !unit)
    return {
      refused: "its DROP INDEX shares its piece with other statements: put --> statement-breakpoint between them",
    };
  if (arrayField(unit.node, "objects").length > 1)
    return { refused: `its DROP INDEX drops other indexes too: give "${name}" a DROP INDEX of its own` };
  if (stringField(unit.node, "behavior") === "DROP_CASCADE")
    return {
      refused:
        "its DROP INDEX has CASCADE, which drops what depends on the index too (--fix cannot tell what): drop that first, and the index without CASCADE",
    };
  const index = droppedIndex(state, names);
  if (!index)
    return {
      refused: `no CREATE INDEX in the history made "${name}" (PostgreSQL names a constraint's index, for one), so --fix cannot tell what depends on it`,
    };
  const dependents = indexDependents(index, state, context.earlier);
  if (dependents) return { refused: dependents };
  const between = statements.slice(redefinition.drop + 1, redefinition.create);
  const naming = between.find((s) => s.units.some((u) => mentions(u.node, name)));
  if (naming) return { refused: `${where(naming)} names it between the DROP and the CREATE` };
  const changing = between.find((s) => s.units.some((u) => needsIndexInPlace(u, index.table, index.unique)));
  if (changing)
    return {
      refused: `${where(changing)} changes or uses its table between the DROP and the CREATE, where the old index, only renamed, would still be (a column's new type rebuilds it, or fails it)`,
    };
  const write = index.unique
    ? firstWrite(statements.slice(redefinition.drop + 1), index.table, statements, state)
    : undefined;
  if (write)
    return {
      refused: `the old index is unique, and ${where(write)} may write to its table after the DROP: renamed, the old index would still check those rows (the new definition only once the next migration built it)`,
    };
  const temporary = temporaryName(name);
  const schema = names.slice(0, -1);
  const key = qualifiedListName([...schema, temporary]);
  const swapped = context.planned.get(key);
  if (swapped !== undefined)
    return {
      refused: `"${temporary}", the name the old index would have meanwhile, is the old "${swapped}"'s, renamed before it`,
    };
  const taken =
    statements.some((s) => s.units.some((u) => mentions(u.node, temporary))) ||
    state.objectNames().indexNamed([...schema, temporary]) !== undefined ||
    state.hasTable(tableNameOfList([...schema, temporary]));
  if (taken) return { refused: `"${temporary}", the name the old index would have meanwhile, is taken` };
  const old = names.map(quoteIdent).join(".");
  const renamed = [...schema, temporary].map(quoteIdent).join(".");
  const body = `\n  IF to_regclass(${quoteLiteral(old)}) IS NOT NULL THEN\n    ALTER INDEX ${old} RENAME TO ${quoteIdent(temporary)};\n  END IF;\nEND `;
  const tag = dollarQuote(body);
  return {
    name,
    temporary,
    key,
    rename: [
      `-- Manual addition: db:review --fix renames the index here instead of dropping it (a plain DROP INDEX locks the table ACCESS EXCLUSIVE, and the table would have no ${quoteIdent(name)} until the next migration built it); the next migration builds the new definition CONCURRENTLY, then drops this one CONCURRENTLY.`,
      `DO ${tag} BEGIN${body}${tag};`,
    ].join("\n"),
    drop: [
      `-- review-ignore drop-statement: the old definition of ${quoteIdent(name)}, renamed by db:review --fix in the migration before this one; the index built above replaces it.`,
      `DROP INDEX CONCURRENTLY IF EXISTS ${renamed};`,
    ].join("\n"),
  };
}
