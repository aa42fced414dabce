/**
 * No command prints a password, in any form `pg` accepts a connection string in: the password in
 * the URL's userinfo, a `password=` query parameter, or libpq `key=value` pairs (which `pg` reads as
 * a database name, so the server's own error message repeats it). Each form against each command
 * that opens the database, for a login that works, a wrong password, and a server that is not there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand, startCommand } from "../testing/run-command.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

const PASSWORD = "trovella_dev";
// A "+" too: a query parameter's is a space to pg, the userinfo's and key=value's a "+".
const WRONG = "hunter2-S3cret%21x+y";
const WRONG_DECODED = "hunter2-S3cret!x+y";
const WRONG_AS_QUERY = "hunter2-S3cret!x y";

let t: TestDatabase;
let server: URL;
beforeAll(async () => {
  t = await createTestDatabase();
  if (t.connection.kind !== "postgres") throw new Error("expected a server database");
  server = new URL(t.connection.url);
});
afterAll(() => t.close());

/** The database URL in each form, with this password, on this host and port. */
function forms(password: string, host = server.hostname, port = server.port): [string, string][] {
  const database = server.pathname.slice(1);
  return [
    ["userinfo", `postgres://${server.username}:${password}@${host}:${port}/${database}`],
    ["query parameter", `postgres://${server.username}@${host}:${port}/${database}?password=${password}`],
    ["key=value", `host=${host} port=${port} user=${server.username} password=${password} dbname=${database}`],
  ];
}

const COMMANDS: [string, string[]][] = [
  ["migrate", []],
  ["status", ["--json"]],
  ["verify", []],
  ["accept-hash", ["0000_lying_agent_zero"]],
  ["rls", []],
  ["seed", ["--tier", "reference"]],
];

describe("no command prints a password", () => {
  for (const [command, args] of COMMANDS) {
    it(`${command}: with the right password, a wrong one, and an unreachable server, in every form`, async () => {
      const runs = [
        ...forms(PASSWORD).map(([form, url]) => ({ form, url, secrets: [PASSWORD] })),
        ...forms(WRONG).map(([form, url]) => ({ form, url, secrets: [WRONG, WRONG_DECODED, WRONG_AS_QUERY] })),
        ...forms(WRONG, "127.0.0.1", "1").map(([form, url]) => ({
          form,
          url,
          secrets: [WRONG, WRONG_DECODED, WRONG_AS_QUERY],
        })),
      ];
      for (const { form, url, secrets } of runs) {
        const run = await runCommand(command as Parameters<typeof runCommand>[0], args, { DATABASE_URL: url });
        const printed = run.stdout + run.stderr;
        for (const secret of secrets) expect(printed, `${command} (${form}, exit ${run.code})`).not.toContain(secret);
        expect(printed.length, `${command} (${form}) printed nothing`).toBeGreaterThan(0);
      }
    });
  }

  it("a real process too: the Database line and a failed login show *** for the password", async () => {
    const [, url] = forms(PASSWORD)[1]!;
    const ok = await startCommand("status", [], { DATABASE_URL: url }).done;
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`?password=***`);
    expect(ok.stdout + ok.stderr).not.toContain(PASSWORD);
    const [, wrong] = forms(WRONG)[2]!;
    const refused = await startCommand("migrate", [], { DATABASE_URL: wrong }).done;
    expect(refused.code).toBe(4);
    expect(refused.stdout + refused.stderr).not.toContain(WRONG);
    expect(refused.stderr).toContain("password=***");
  });
});
