import { Command } from "commander";
import { planRebase, type RebasePlan, writeRebase } from "../rebase/plan-rebase.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { userPath } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";

function report(plan: RebasePlan, written: boolean): string {
  const onto = `${plan.onto.ref} (${plan.onto.commit.slice(0, 12)})`;
  if (plan.nothingToDo) return `Nothing to rebase onto ${onto}: ${plan.nothingToDo}.`;
  const lines = [
    `Rebasing onto ${onto}${plan.source === "HEAD" ? ", the branch's migrations read from HEAD (the merge left the folder in conflict)" : ""}.`,
    plan.checkedAgainst.length
      ? `Checked against ${plan.onto.ref}'s ${plan.checkedAgainst.join(", ")}: no object in common.`
      : `${plan.onto.ref} has no migration the branch had not seen; only numbers and dates change.`,
  ];
  for (const s of plan.sameName)
    lines.push(
      `${s.tag}: ${plan.onto.ref} has another migration of that name; the branch's own (from commit ${s.commit.slice(0, 12)}) moves after ${plan.onto.ref}'s, which stays as it is.`,
    );
  for (const m of plan.moved) {
    const snapshot = m.snapshot === "regenerated" ? `snapshot regenerated on ${plan.onto.last}'s` : "no snapshot";
    lines.push(
      `${written ? "Moved" : "Would move"} ${m.from} -> ${m.to} (when ${m.when}, ${new Date(m.when).toISOString()}; ${snapshot})`,
    );
  }
  if (plan.restored.length)
    lines.push(`${written ? "Wrote" : "Would write"} as at ${plan.onto.ref}: ${plan.restored.join(", ")}`);
  for (const warning of plan.warnings) lines.push(`warning: not checked, check by hand: ${warning}`);
  lines.push(
    written
      ? "Next: review the change (git diff), then commit it (git add the folder; during a merge, git commit ends the merge). A database that applied a moved migration under its old name keeps it applied (matched by its hash)."
      : "Dry run: nothing written.",
  );
  return lines.join("\n");
}

/**
 * `db:rebase`: moves the branch's new migrations after the base's last one (renumbered, new
 * `when`, snapshots regenerated), after checking that both sides touch different objects. Exit 0
 * moved (or nothing to move), 1 refused (the objects in common, or a migration that must not
 * move), 2 no repository, an unknown ref, no base to default to, or an invalid folder.
 */
export function rebaseCommand(project: Project, name = "db:rebase") {
  return (context: CommandContext): Command =>
    new Command(name)
      .description(
        "move this branch's new migrations after the base branch's last one, when both sides touch different objects",
      )
      .option(
        "--onto <ref>",
        "the base branch or commit (default: the branch being merged during a merge, else origin's default branch)",
      )
      .option(
        "--migrations <dir>",
        "the migrations folder (relative to where you run the command)",
        project.migrationsFolder,
      )
      .option("--dry-run", "show what would change, write nothing")
      .option("--json", "print the plan (or the refusal) as JSON")
      .action(async (flags: { onto?: string; migrations: string; dryRun?: boolean; json?: boolean }) => {
        await runAction(context, { json: flags.json, project }, async () => {
          const plan = await planRebase({
            folder: userPath(context, flags.migrations),
            ...(flags.onto ? { onto: flags.onto } : {}),
          });
          const written = !flags.dryRun && !plan.nothingToDo;
          if (written) writeRebase(plan);
          if (flags.json) {
            const { operations: _operations, ...data } = plan;
            context.out(`${JSON.stringify({ ok: true, written, ...data }, null, 2)}\n`);
          } else context.out(`${report(plan, written)}\n`);
          return EXIT.ok;
        });
      });
}
