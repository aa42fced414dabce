/**
 * What the migrations before a reverted one left in the database, as far as their SQL tells it:
 * the extensions, tables, columns, indexes and policies they created (and did not drop again), and
 * the tables on which they turned row-level security on or FORCEd it. No snapshot records
 * hand-written objects or FORCE, so `db:revert` asks this before undoing a statement that may
 * only restate something (`CREATE TABLE IF NOT EXISTS`, `FORCE ROW LEVEL SECURITY` …).
 * Each text is read by PostgreSQL's parser, DO blocks' plain statements included.
 */
import { arrayField, nodeOf, objectField, objectNameList, stringField } from "../sql/ast.ts";
import { parseMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedIdent } from "../sql/quote-ident.ts";

/** The kinds of object tracked. Tables, indexes are keyed by {@link qualifiedIdent}; parts by table and name. */
export type EarlierKind = "extension" | "table" | "column" | "index" | "policy" | "rls" | "force";

/** One change a statement makes: an object (or a table's RLS state) appears or goes. */
interface Effect {
  add: boolean;
  kind: EarlierKind;
  key: string;
  /** The table it belongs to (goes with the table). */
  table?: string;
}

/** The key of an object that belongs to a table: a column, a policy, or the table's RLS state. */
export function partKey(table: string, name = ""): string {
  return `${table}\u0000${name}`;
}

/** A name list (`["s", "t"]`) as {@link qualifiedIdent}, and the list without its last name. */
function listKey(names: string[]): string {
  return qualifiedIdent(names.length > 1 ? names.at(-2) : undefined, names.at(-1) ?? "");
}

function relationKey(rangeVar: Record<string, unknown> | undefined): string {
  return qualifiedIdent(stringField(rangeVar, "schemaname"), stringField(rangeVar, "relname") ?? "");
}

const ALTER_EFFECTS: Readonly<Record<string, readonly [boolean, EarlierKind]>> = {
  AT_EnableRowSecurity: [true, "rls"],
  AT_DisableRowSecurity: [false, "rls"],
  AT_ForceRowSecurity: [true, "force"],
  AT_NoForceRowSecurity: [false, "force"],
};

const DROP_KINDS: Readonly<Record<string, EarlierKind>> = {
  OBJECT_EXTENSION: "extension",
  OBJECT_TABLE: "table",
  OBJECT_INDEX: "index",
  OBJECT_POLICY: "policy",
};

/** What one statement creates or drops, of the kinds tracked. */
function effectsOf(unit: SqlUnit): Effect[] {
  const { node } = unit;
  const table = relationKey(objectField(node, "relation"));
  switch (unit.type) {
    case "CreateExtensionStmt":
      return [{ add: true, kind: "extension", key: stringField(node, "extname") ?? "" }];
    case "CreateStmt":
      return [
        { add: true, kind: "table", key: table },
        ...arrayField(node, "tableElts").flatMap((element) => {
          const column = stringField(nodeOf(element, "ColumnDef"), "colname");
          return column ? [{ add: true, kind: "column" as const, key: partKey(table, column), table }] : [];
        }),
      ];
    case "IndexStmt": {
      const name = stringField(node, "idxname");
      const schema = stringField(objectField(node, "relation"), "schemaname");
      return name ? [{ add: true, kind: "index", key: qualifiedIdent(schema, name), table }] : [];
    }
    case "CreatePolicyStmt": {
      const on = relationKey(objectField(node, "table"));
      return [{ add: true, kind: "policy", key: partKey(on, stringField(node, "policy_name")), table: on }];
    }
    case "AlterTableStmt":
      return arrayField(node, "cmds").flatMap((item): Effect[] => {
        const command = nodeOf(item, "AlterTableCmd");
        const subtype = stringField(command, "subtype") ?? "";
        if (subtype === "AT_AddColumn" || subtype === "AT_DropColumn") {
          const column = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname") ?? stringField(command, "name");
          return [{ add: subtype === "AT_AddColumn", kind: "column", key: partKey(table, column), table }];
        }
        const rls = ALTER_EFFECTS[subtype];
        return rls ? [{ add: rls[0], kind: rls[1], key: partKey(table), table }] : [];
      });
    case "DropStmt": {
      const kind = DROP_KINDS[stringField(node, "removeType") ?? ""];
      if (!kind) return [];
      return arrayField(node, "objects").map((object) => {
        // An extension's name is a bare String; a policy's list ends with its table then its name.
        const names =
          kind === "extension" ? [stringField(nodeOf(object, "String"), "sval") ?? ""] : objectNameList(object);
        const key = kind === "policy" ? partKey(listKey(names.slice(0, -1)), names.at(-1)) : listKey(names);
        return { add: false, kind, key };
      });
    }
    default:
      return [];
  }
}

/**
 * The effects of each migration text, parsed once each: a revert or a rebase asks about every
 * migration before each one it reads. Room for the longest real histories (dropping the oldest
 * entries would parse every migration again on each pass, which reads them oldest first).
 */
const effectsByText = new Map<string, readonly Effect[]>();
const TEXTS_KEPT = 50_000;

function effectsOfText(file: string, sql: string): readonly Effect[] {
  const known = effectsByText.get(sql);
  if (known) return known;
  const effects = parseMigration(file, file, sql).statements.flatMap((s) => s.units.flatMap(effectsOf));
  if (effectsByText.size >= TEXTS_KEPT) effectsByText.delete(effectsByText.keys().next().value!);
  effectsByText.set(sql, effects);
  return effects;
}

/** The objects the earlier migrations left, each with the migration that created it (the first, for extensions). */
export class EarlierObjects {
  private readonly found = new Map<string, { file: string; table?: string }>();

  constructor(earlierSql: readonly { file: string; sql: string }[]) {
    for (const { file, sql } of earlierSql) {
      for (const effect of effectsOfText(file, sql)) this.apply(file, effect);
    }
  }

  private apply(file: string, { add, kind, key, table }: Effect): void {
    const id = `${kind}\u0000${key}`;
    if (add) {
      if (!this.found.has(id)) this.found.set(id, table === undefined ? { file } : { file, table });
      return;
    }
    this.found.delete(id);
    // What belongs to a dropped table goes with it.
    if (kind === "table") for (const [k, v] of this.found) if (v.table === key) this.found.delete(k);
  }

  /** The migration that created the object (or turned the table's RLS on / FORCEd it), if it is still there. */
  createdBy(kind: EarlierKind, key: string): string | undefined {
    return this.found.get(`${kind}\u0000${key}`)?.file;
  }
}
