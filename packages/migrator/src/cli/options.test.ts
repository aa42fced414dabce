import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing/run-captured.ts";
import { migrateCommand } from "./migrate-command.ts";
import type { Project } from "./project.ts";

/** A project whose database is never reached: the options are judged before connecting. */
const project: Project = {
  migrationsFolder: "/nonexistent/migrations",
  openDriver: () => Promise.reject(new Error("reached the database")),
};

const migrate = (argv: string[], env: NodeJS.ProcessEnv = {}) => runCaptured(migrateCommand(project), argv, { env });

describe("numeric options are decimal integers in range, or exit 2 naming the option", () => {
  it.each([
    ["an empty variable (CI templating)", "MIGRATE_LOCK_TIMEOUT", ""],
    ["an exponent", "MIGRATE_LOCK_RETRIES", "1e3"],
    ["hexadecimal", "MIGRATE_RETRY_DELAY", "0x10"],
    ["a negative number", "MIGRATE_STATEMENT_TIMEOUT", "-1"],
    ["spaces", "MIGRATE_WAIT_TIMEOUT", " 5 "],
    ["zero lock_timeout (wait forever)", "MIGRATE_LOCK_TIMEOUT", "0"],
    ["out of range", "MIGRATE_LOCK_TIMEOUT", "2147483648"],
    ["too many retries", "MIGRATE_LOCK_RETRIES", "101"],
  ])("%s in %s", async (_what, variable, value) => {
    const run = await migrate([], { [variable]: value });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: invalid ${variable}: ${JSON.stringify(value)} is not a whole number`);
    expect(run.stderr).toContain(`fix: set ${variable} to a whole number`);
    expect(run.stderr).not.toContain("reached the database");
  });

  it.each([
    ["--lock-timeout", "1e3"],
    ["--lock-timeout", "0"],
    ["--lock-retries", "0x10"],
    ["--retry-delay", "1.5"],
    ["--wait-timeout", "99999999999"],
    ["--statement-timeout", ""],
  ])("the flag %s %j", async (flag, value) => {
    const run = await migrate([flag, value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`option '${flag} <`);
    expect(run.stderr).toContain(`argument '${value}' is invalid`);
    expect(run.stderr).not.toContain("reached the database");
  });

  it("accepts valid values and goes on (to read the folder)", async () => {
    const run = await migrate(["--lock-timeout", "250", "--lock-retries", "0"], { MIGRATE_RETRY_DELAY: "100" });
    expect(run.stderr).toContain("/nonexistent/migrations/meta/_journal.json: no journal");
    expect(run.code).toBe(2);
  });
});
