/**
 * What the commands print of a password: never the password, in any form it can be printed in (as
 * written, escaped in a JSON or an inspected string). Every output line passes through
 * `redactSecrets` (cli/run-command.ts). A common word as a password (`postgres`, `true`, `ok`)
 * must not turn a URL's scheme or a JSON document's keys and literals into `***`: they are printed
 * whatever the password is, and a JSON document must stay the same JSON.
 */
import { inspect } from "node:util";
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

  it("keeps a URL's scheme, printed whatever the password is; anywhere else, even inside a word, it goes", () => {
    expect(redactUrl("postgres://u:postgres@127.0.0.1:5433/db")).toBe("postgres://u:***@127.0.0.1:5433/db");
    expect(redactSecrets("postgresql://u:postgres@h/postgres_db", ["postgres"])).toBe("postgresql://u:***@h/***_db");
    // A database name typed with the password in it: the name is garbled, the password not printed.
    expect(redactSecrets('database "trovella_devx" does not exist', ["trovella_dev"])).toBe(
      'database "***x" does not exist',
    );
    expect(redactSecrets("hunter2hunter2 hunter2://x", ["hunter2"])).toBe("****** ***://x");
  });

  it("finds a password whose unencoded / # ? makes the URL parse as something else (digits first: a port)", () => {
    for (const password of ["5433/Sekr3t", "99#Sekr3t", "99?Sekr3t", "a#Sekr3t"]) {
      const url = `postgres://app:${password}@127.0.0.1:5433/db`;
      expect(connectionPasswords(url), url).toContain(password);
      expect(redactUrl(url)).toBe("postgres://app:***@127.0.0.1:5433/db");
    }
  });

  it("takes the whole value of a password query parameter, = signs in it included (base64 ends in ==)", () => {
    for (const password of ["K3y=S3cretTail", "c2VjcmV0==", "a%3Db=c"]) {
      const url = `postgres://127.0.0.1:5433/x?user=trovella&password=${password}&sslmode=disable`;
      expect(redactUrl(url), url).toBe("postgres://127.0.0.1:5433/x?user=trovella&password=***&sslmode=disable");
      expect(redactSecrets(`cannot connect to ${url}`, connectionPasswords(url))).not.toMatch(/S3cret|c2Vj|=c&/);
    }
  });

  it("takes only the parsed password when there is one, though an @ comes later in the URL", () => {
    expect(redactUrl("postgres://app:pw@db.internal:5432/app?application_name=worker@eu")).toBe(
      "postgres://app:***@db.internal:5432/app?application_name=worker@eu",
    );
  });

  it("where a URL without a parsed password has an @ after a ':', takes what lies between for a password: never printed, perhaps too much", () => {
    // Azure's user@server form, with a character that breaks the URL: the password is found.
    expect(redactUrl("postgres://myuser@myserver:p#ss@host/db")).toBe("postgres://myuser@myserver:***@host/db");
    expect(redactUrl("postgres://myuser@myserver:p/ss@host/db")).toBe("postgres://myuser@myserver:***@host/db");
    // The same shape with no password at all cannot be told from it: the part is hidden too.
    expect(redactUrl("postgres://app@db.internal:5432/app?application_name=worker@eu")).toBe(
      "postgres://app@db.internal:***@eu",
    );
  });

  it("finds a password as node's inspect and JSON print it inside a string, in any text", () => {
    const password = 'p"w\\d';
    expect(redactSecrets(`error: { password: ${JSON.stringify(password)} }`, [password])).toBe(
      'error: { password: "***" }',
    );
    expect(redactSecrets(`error: ${inspect({ password })}`, [password])).toBe("error: { password: '***' }");
  });

  it("keeps a JSON document JSON: only its strings are redacted, literals and numbers stay", () => {
    const printed = `${JSON.stringify({ ok: true, tier: "true", count: 1234, url: "postgres://u:true@h/db" }, null, 2)}\n`;
    const redacted = redactSecrets(printed, ["true", "1234", "ok"]);
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
