/**
 * What opening a server session says when the connection string cannot lead to a server: each
 * message says what is wrong and the fix, never the password, and exits as "cannot connect" (4).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exitCodeFor } from "../cli/exit-codes.ts";
import type { ConnectionError } from "./connection-error.ts";
import { openPostgresDriver } from "./postgres.ts";

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

async function refusal(connection: string): Promise<ConnectionError> {
  const error = await openPostgresDriver(connection).then(
    () => undefined,
    (e: unknown) => e as ConnectionError,
  );
  if (!error) throw new Error(`${connection} connected`);
  return error;
}

describe("a libpq keyword=value string in place of a URL", () => {
  it("is refused as not a URL, with the URL to write instead, before trying a host named 'base'", async () => {
    const error = await refusal("host=localhost port=5433 dbname=trovella user=trovella");
    expect(error.reason).toBe("not-a-url");
    expect(error.message).toBe(
      "cannot connect to host=localhost port=5433 dbname=trovella user=trovella: the connection string is not a URL (it is libpq's keyword=value form, which this toolkit does not read)",
    );
    expect(error.fix).toBe("write it as a URL: postgres://trovella@localhost:5433/trovella");
    expect(exitCodeFor(error)).toBe(4);
  });

  it("shows where the password goes without printing it, in the message, the fix or the JSON", async () => {
    const error = await refusal("host=db dbname=app user=me password='s3cr3t pw' sslmode=require");
    expect(error.fix).toBe(
      "write it as a URL: postgres://me:<password>@db/app?sslmode=require, with the password (percent-encoded) in place of <password>",
    );
    expect(JSON.stringify(error.toJSON())).not.toMatch(/s3cr3t/);
  });

  it("is refused as not a URL when it is a bare host name", async () => {
    const error = await refusal("localhost");
    expect(error.message).toBe(
      "cannot connect to localhost: the connection string is not a URL (it has no scheme such as postgres://)",
    );
    expect(error.fix).toMatch(/^write it as a URL: postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE/);
  });
});

describe("a URL whose host is a socket directory without a server's socket", () => {
  it("says the directory does not exist, not that a certificate file cannot be read", async () => {
    folder = mkdtempSync(join(tmpdir(), "no-socket-"));
    const missing = join(folder, "gone");
    const error = await refusal(`postgres://trovella:s3cr3t@/trovella?host=${missing}`);
    expect(error.reason).toBe("no-socket");
    expect(error.message).toBe(
      `cannot connect to postgres://trovella:***@/trovella?host=${missing}: no server's Unix-domain socket is where the connection URL points (connect ENOENT ${missing}/.s.PGSQL.5432: the socket directory ${missing} does not exist)`,
    );
    expect(error.fix).toMatch(/^start the server, or correct the socket directory \(the URL's host parameter/);
    expect(exitCodeFor(error)).toBe(4);
  });

  it("says the directory has no socket of that port when it exists", async () => {
    folder = mkdtempSync(join(tmpdir(), "no-socket-"));
    const error = await refusal(`postgres://trovella@/trovella?host=${folder}&port=6543`);
    expect(error.message).toContain(
      `(connect ENOENT ${folder}/.s.PGSQL.6543: the folder ${folder} has no socket .s.PGSQL.6543: no server listens there on that port)`,
    );
  });
});
