/**
 * `pnpm db:rls [--json]`: the Row-Level Security coverage matrix of the live database
 * (`DATABASE_URL`, else the embedded one). Exit 0 when every tenant table is covered, 1 on any
 * missing policy, disabled RLS, per-row `current_setting` or unsafe role, 2 when it cannot run.
 */
import { Command } from "commander";
import { coverageReport, RLS_EXIT, scrubPassword } from "@repo/migrator";
import { connectionFromEnv, openDriver } from "./connection.ts";
import { RLS_CONFIG } from "./schema-info.ts";

async function main(argv: string[]): Promise<number> {
  const program = new Command("db:rls")
    .description("Print which RLS policy covers each tenant table × command; fail when tenants are not isolated")
    .option("--json", "print the matrix as JSON (for CI)")
    .parse(argv);
  const options = program.opts<{ json?: boolean }>();
  const connection = connectionFromEnv();
  const url = connection.kind === "postgres" ? connection.url : undefined;
  try {
    const driver = await openDriver(connection);
    try {
      const report = await coverageReport(driver, RLS_CONFIG, { json: options.json });
      console.log(report.output);
      return report.exitCode;
    } finally {
      await driver.close();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`db:rls failed: ${scrubPassword(message, url)}`);
    return RLS_EXIT.failed;
  }
}

process.exitCode = await main(process.argv);
