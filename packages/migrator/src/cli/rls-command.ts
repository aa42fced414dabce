import { Command } from "commander";
import { coverageReport } from "../rls/coverage-report.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { withSession } from "./session.ts";

/**
 * `db:rls`: the Row-Level Security coverage matrix of the live database. Exit 0 when every tenant
 * table is covered, 1 on any missing policy, disabled RLS, per-row `current_setting` or unsafe role.
 */
export function rlsCommand(project: Project, name = "db:rls") {
  return (context: CommandContext): Command =>
    new Command(name)
      .description("print which RLS policy covers each tenant table × command; fail when tenants are not isolated")
      .option("--json", "print the matrix as JSON (for CI)")
      .action(async (flags: { json?: boolean }) => {
        await runAction(context, { json: flags.json, project }, async () => {
          const config = project.rls;
          if (!config) throw new Error(`${name}: the project defines no RLS config`);
          return withSession(project, context, async (driver) => {
            const report = await coverageReport(driver, config, { json: flags.json });
            context.out(`${report.output}\n`);
            return report.matrix.ok ? EXIT.ok : EXIT.failed;
          });
        });
      });
}
