/**
 * What the commands print of a password: never the password, and nothing else garbled. Every
 * output line passes through `redactSecrets` (cli/run-command.ts); a common word as a password
 * (`postgres`, `true`, `research`) must not turn a URL's scheme, a JSON literal or a table name
 * into `***`, and a JSON document must stay JSON.
 */
import { describe, expect, it } from "vitest";
import { connectionPasswords, redactSecrets, redactUrl } from "./driver.ts";

describe("redactSecrets", () => {
  it("replaces the password in a URL, a query parameter and libpq key=value text", () => {
    const secrets = ["s3cr3t-pw"];
    expect(redactSecrets("postgres://app:s3cr3t-pw@db:5432/app", secrets)).toBe("postgres://app:***@db:5432/app");
    expect(redactSecrets("host=db password=s3cr3t-pw dbname=app", secrets)).toBe("host=db password=*** dbname=app");
    expect(redactSecrets('database "x?password=s3cr3t-pw" does not exist', secrets)).toBe(
      'database "x?password=***" does not exist',
    );
  });

  it("keeps a URL's scheme and longer words that contain a word-like password", () => {
    expect(redactUrl("postgres://u:postgres@127.0.0.1:5433/db")).toBe("postgres://u:***@127.0.0.1:5433/db");
    expect(redactSecrets("Seed tier research: research_plan 6 inserted", ["research"])).toBe(
      "Seed tier ***: research_plan 6 inserted",
    );
  });

  it("keeps a JSON document JSON: only its strings are redacted, literals and numbers stay", () => {
    const printed = `${JSON.stringify({ ok: true, tier: "true", count: 1234, url: "postgres://u:true@h/db" }, null, 2)}\n`;
    const redacted = redactSecrets(printed, ["true", "1234"]);
    expect(JSON.parse(redacted)).toEqual({ ok: true, tier: "***", count: 1234, url: "postgres://u:***@h/db" });
    expect(redacted.endsWith("}\n")).toBe(true);
  });

  it("finds a password JSON escapes (a quote, a backslash) inside a JSON string", () => {
    const password = 'p"w\\d';
    const printed = JSON.stringify({ error: { message: `password authentication failed: ${password}` } });
    expect(redactSecrets(printed, [password])).toBe(
      JSON.stringify({ error: { message: "password authentication failed: ***" } }),
    );
  });

  it("still redacts a password made of other characters wherever it appears", () => {
    const [secret] = connectionPasswords("postgres://u:a%40b@h/db").filter((p) => p.includes("@"));
    expect(redactSecrets("xa@bx", [secret ?? ""])).toBe("x***x");
  });
});
