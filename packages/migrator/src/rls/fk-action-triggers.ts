/**
 * Triggers that a foreign key's action fires. PostgreSQL runs ON DELETE CASCADE, SET NULL and SET
 * DEFAULT (and the ON UPDATE actions) as the owner of the referencing table, past its RLS, and a
 * trigger that the action fires on that table runs as the owner too, SECURITY INVOKER or not. A
 * tenant fires it by deleting (or updating) its own referenced row; a trigger function that reads
 * or writes a table then does so for every tenant's rows, whether or not the app roles can reach
 * the referencing table. Such a trigger is judged like code that runs as its owner: a finding,
 * unless its body names no relation and calls no routine that could read one, or its function is
 * declared in `definerRoutines` (its author vouches that it confines itself to the row's tenant).
 */
import type { RelationInfo } from "./catalog-probe.ts";
import type { RlsFinding } from "./rls-finding.ts";
import { quoteIdent } from "../sql/quote-ident.ts";

/** Judges the triggers foreign-key actions fire on `relation`; `writable`: an app role may write it (a definer trigger there is a `definer-trigger` already). */
export function judgeActionTriggers(
  relation: RelationInfo,
  writable: boolean,
  context: { tenantColumn: string; definerRoutines: readonly string[] | undefined },
  push: (finding: RlsFinding) => void,
): void {
  for (const trigger of relation.actionTriggers) {
    if (trigger.runsAs && writable) continue;
    if (!trigger.runsAs) {
      if ((context.definerRoutines ?? []).includes(trigger.routine)) continue;
      if (trigger.unread === null && trigger.uses.length === 0) continue;
    }
    const body = trigger.runsAs
      ? `its function runs as another role besides (${trigger.runsAs})`
      : trigger.unread
        ? `its body cannot be read to show it touches no table (${trigger.unread})`
        : `its body uses ${trigger.uses.join(", ")}`;
    const column = quoteIdent(context.tenantColumn);
    push({
      code: "fk-action-trigger",
      table: relation.name,
      message: `trigger ${trigger.name} on ${relation.name} calls ${trigger.function}, and ${trigger.actions.join(" and ")} ${trigger.actions.length === 1 ? "fires" : "fire"} it: PostgreSQL runs a foreign key's action as ${relation.name}'s owner, past RLS, and the trigger with it, SECURITY INVOKER or not, whenever a tenant deletes or updates the row it references; ${body}, so it reads or writes every tenant's rows`,
      fix: `drop the trigger, or make the key's action NO ACTION and delete or update the rows from the application as the tenant; if the trigger must stay, confine every statement of ${trigger.function} to the row's tenant (… WHERE ${column} = OLD.${column}), pin its search_path, and declare ${trigger.routine} in definerRoutines`,
    });
  }
}
