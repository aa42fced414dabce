/**
 * Which statements of a revert change who can read or write rows: a policy dropped, created or
 * altered, row-level security turned on or off or FORCEd, a privilege granted or revoked. Reverting
 * a migration that protected a table takes its protection away (reverting 0010 of Trovella's
 * history turns row-level security off on "user" and drops its policy: every tenant then reads
 * every user), and neither the snapshots nor db:review can say whether that is meant. So
 * db:revert never acknowledges such a statement for the review: each is marked in the file
 * (`-- db:revert access-change: …`), listed on screen, and left to a person, who runs `db:rls` on
 * a database with the revert applied before deploying it. What the review reports of them
 * without an acknowledgement: a `DROP POLICY` (rule `drop-statement`), and on a tenant table
 * row-level security turned off (`rls-not-enabled`) or a policy that does not keep a tenant to its
 * rows (`rls-policies-incomplete`); nothing else.
 *
 * What happens to a table the revert drops does not count, when the revert runs in one transaction:
 * its policies and grants go with it, and no one sees the table in between.
 */
import { arrayField, type AstObject, nodeOf, objectField, objectNameList, stringField } from "../sql/ast.ts";
import { parseMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedIdent, quoteIdent } from "../sql/quote-ident.ts";
import { STATEMENT_BREAKPOINT } from "../sql/statements.ts";
import { firstCodeLine } from "../sql/comments.ts";
import { tableName, tableNameOfList } from "../review/object-names.ts";
import type { PolicyInfo, SchemaState } from "../review/schema-state.ts";
import type { RevertStatement } from "./manual-sql.ts";
import { type ReplayedHistory, replayMigration } from "./replayed-history.ts";

/** The comment prefix of an access-change line in a reverting migration. */
export const ACCESS_CHANGE_MARKER = "-- db:revert access-change:";

/** A relation as SQL names it (`"t"`, `"s"."t"`). */
function shownRelation(rangeVar: AstObject | undefined): string {
  return qualifiedIdent(stringField(rangeVar, "schemaname"), stringField(rangeVar, "relname") ?? "");
}

/** A policy's command and roles as its CREATE POLICY says them: `FOR SELECT TO "authenticated"`. */
function policyScope(policy: PolicyInfo | undefined): string {
  if (!policy) return "";
  const roles = policy.roles.map((role) => (role === "public" ? "PUBLIC" : quoteIdent(role)));
  return ` (FOR ${policy.command.toUpperCase()} TO ${roles.join(", ")})`;
}

/** The policy of that name on a table of the replayed schema. */
function policyNamed(state: SchemaState, table: string, name: string): PolicyInfo | undefined {
  return state.policies(table).find((policy) => policy.name === name);
}

/** The table each `ALTER TABLE` command's change of row-level security applies to, with what it does. */
const ROW_SECURITY: Record<string, { on?: boolean; says: (table: string) => string }> = {
  AT_DisableRowSecurity: {
    on: false,
    says: (t) =>
      `turns row-level security off on ${t}: its policies stop applying, every role with a privilege on it reads and writes every row`,
  },
  AT_EnableRowSecurity: {
    on: true,
    says: (t) =>
      `turns row-level security on on ${t}: a role other than its owner reaches only the rows its policies let through (none without a policy)`,
  },
  AT_NoForceRowSecurity: {
    says: (t) => `NO FORCE ROW LEVEL SECURITY on ${t}: its owner bypasses its policies again`,
  },
  AT_ForceRowSecurity: {
    says: (t) => `FORCE ROW LEVEL SECURITY on ${t}: its owner is held to its policies too`,
  },
};

/**
 * What one statement changes of who can read or write rows, each change with the table it is on
 * (as `tableName` names it; undefined for a privilege on no table), seen with `state` right before
 * it runs (`before`) and right after (`after`).
 */
function unitChanges(
  unit: SqlUnit,
  before: SchemaState,
  after: () => SchemaState,
): { table?: string; change: string }[] {
  const { node } = unit;
  switch (unit.type) {
    case "DropStmt": {
      if (stringField(node, "removeType") !== "OBJECT_POLICY") return [];
      return arrayField(node, "objects").map((object) => {
        const names = objectNameList(object);
        const name = names.at(-1) ?? "";
        const on = names.slice(0, -1);
        const table = tableNameOfList(on);
        const shown = qualifiedIdent(on.length > 1 ? on[0] : undefined, on.at(-1) ?? "");
        const policy = policyNamed(before, table, name);
        const change = policy?.restrictive
          ? `drops RESTRICTIVE policy ${quoteIdent(name)} on ${shown}${policyScope(policy)}: the rows it kept from them become reachable`
          : `drops policy ${quoteIdent(name)} on ${shown}${policyScope(policy)}: the rows only it let them reach become unreachable`;
        return { table, change };
      });
    }
    case "CreatePolicyStmt": {
      const relation = objectField(node, "table");
      const table = tableName(relation);
      const name = stringField(node, "policy_name") ?? "";
      const policy = policyNamed(after(), table, name);
      const shown = `${quoteIdent(name)} on ${shownRelation(relation)}${policyScope(policy)}`;
      const change =
        node["permissive"] === true
          ? `creates policy ${shown}: they reach the rows it lets through`
          : `creates RESTRICTIVE policy ${shown}: the rows it keeps out become unreachable to them`;
      return [{ table, change }];
    }
    case "AlterPolicyStmt": {
      const relation = objectField(node, "table");
      const name = quoteIdent(stringField(node, "policy_name") ?? "");
      const change = `changes policy ${name} on ${shownRelation(relation)}: who reaches which rows through it changes`;
      return [{ table: tableName(relation), change }];
    }
    case "AlterTableStmt": {
      const relation = objectField(node, "relation");
      const table = tableName(relation);
      return arrayField(node, "cmds").flatMap((item) => {
        const effect = ROW_SECURITY[stringField(nodeOf(item, "AlterTableCmd"), "subtype") ?? ""];
        if (!effect) return [];
        // Turned on where it is on already (or off where it is off) changes nothing.
        if (effect.on !== undefined && before.hasTable(table) && before.rowLevelSecurity(table) === effect.on)
          return [];
        return [{ table, change: effect.says(shownRelation(relation)) }];
      });
    }
    case "GrantStmt":
    case "GrantRoleStmt": {
      const tables =
        stringField(node, "objtype") === "OBJECT_TABLE" && stringField(node, "targtype") === "ACL_TARGET_OBJECT"
          ? arrayField(node, "objects").map((object) => tableName(nodeOf(object, "RangeVar")))
          : [];
      const change = `${node["is_grant"] === true ? "grants" : "revokes"}: ${firstCodeLine(unit.text)}`;
      return tables.length > 0 ? tables.map((table) => ({ table, change })) : [{ change }];
    }
    default:
      return [];
  }
}

/** The tables `DROP TABLE` statements among `units` drop, as `tableName` names them. */
function droppedTables(units: readonly SqlUnit[]): Set<string> {
  const dropped = new Set<string>();
  for (const unit of units) {
    if (unit.type !== "DropStmt" || stringField(unit.node, "removeType") !== "OBJECT_TABLE") continue;
    for (const object of arrayField(unit.node, "objects")) dropped.add(tableNameOfList(objectNameList(object)));
  }
  return dropped;
}

/**
 * `statements` with `accessChange` set on each that changes who can read or write rows, read on
 * the schema the history replays to. `inTransaction`: the revert runs in one transaction, so what
 * it does to a table it drops is not seen by anyone. The parser must be loaded.
 */
export function markAccessChanges(
  replayed: ReplayedHistory,
  statements: readonly RevertStatement[],
  { inTransaction }: { inTransaction: boolean },
): RevertStatement[] {
  const state = replayed.state.clone();
  const text = statements.map((statement) => statement.sql).join(`\n${STATEMENT_BREAKPOINT}\n`);
  const migration = parseMigration("revert", "revert.sql", text);
  const gone = inTransaction ? droppedTables(migration.statements.flatMap((s) => s.units)) : new Set<string>();
  const changes = new Map<number, string[]>();
  let before = state.clone();
  replayMigration(migration, state, {
    before: () => {
      before = state.clone();
    },
    after: (unit, index) => {
      const found = unitChanges(unit, before, () => state).filter((c) => c.table === undefined || !gone.has(c.table));
      if (found.length > 0) changes.set(index, [...(changes.get(index) ?? []), ...found.map((c) => c.change)]);
    },
  });
  return statements.map((statement, index) => {
    const found = changes.get(index);
    return found ? { ...statement, accessChange: [...new Set(found)].join("; ") } : statement;
  });
}
