import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { ConnectionError } from "./connection-error.ts";
import { type Driver, redactUrl, scrubPassword } from "./driver.ts";
import { isConnectionUrl, keywordConnectionUrl } from "./keyword-connection.ts";

/**
 * Opens one session on a PostgreSQL server. The password never appears in errors. `readOnly` starts
 * the session with `default_transaction_read_only` on (a startup option), so no transaction of it
 * can write.
 */
export async function openPostgresDriver(
  url: string,
  options: { applicationName?: string; readOnly?: boolean } = {},
): Promise<Driver> {
  const target = redactUrl(url);
  // pg would take it for a relative URL and try a host named "base".
  if (!isConnectionUrl(url)) throw notAUrl(target, url);
  // Loaded here, not at the top: a command on the embedded database skips pg's import (about 50 ms).
  const { default: pg } = await import("pg");
  let client: InstanceType<typeof pg.Client>;
  try {
    // pg parses the URL here: a `#`, `?` or `/` in a password that is not percent-encoded throws.
    client = new pg.Client({
      connectionString: url,
      application_name: options.applicationName ?? "migrator",
      connectionTimeoutMillis: 10_000,
      ...(options.readOnly ? { options: "-c default_transaction_read_only=on" } : {}),
    });
  } catch (error) {
    // Also reads the files sslkey, sslcert and sslrootcert name: a missing one is not a bad URL.
    const e = error as { code?: string; message?: string };
    const code = e.code === "ENOENT" || e.code === "EACCES" || e.code === "EISDIR" ? e.code : "invalid-url";
    throw new ConnectionError(target, scrubPassword(e.message ?? String(error), url), code);
  }
  // An idle client whose server goes away emits 'error'; without a listener Node would crash.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const e = error as { code?: string; message?: string; syscall?: string; address?: string };
    await client.end().catch(() => undefined);
    const message = scrubPassword(e.message ?? String(error), url);
    // The socket directory (the URL's `host=/…`) has no socket of that port, or is not there.
    if (e.code === "ENOENT" && e.syscall === "connect" && e.address)
      throw new ConnectionError(target, `${message}: ${missingSocket(e.address)}`, "no-socket");
    throw new ConnectionError(target, message, e.code);
  }
  return {
    dialect: "postgres",
    target,
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params as unknown[] | undefined);
      return result.rows as Row[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async close() {
      await client.end();
    },
    async cancel() {
      const other = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      other.on("error", () => undefined);
      try {
        await other.connect();
        await other.query("SELECT pg_cancel_backend($1)", [(client as unknown as { processID: number }).processID]);
      } finally {
        await other.end().catch(() => undefined);
      }
    },
  };
}

/** The error for a connection string that is not a URL: for libpq's keyword form, the URL to write instead. */
function notAUrl(target: string, connection: string): ConnectionError {
  const url = keywordConnectionUrl(connection);
  if (!url) return new ConnectionError(target, "it has no scheme such as postgres://", "not-a-url");
  const password = url.includes(":<password>@") ? ", with the password (percent-encoded) in place of <password>" : "";
  return new ConnectionError(
    target,
    "it is libpq's keyword=value form, which this toolkit does not read",
    "not-a-url",
    `write it as a URL: ${url}${password}`,
  );
}

/** What is missing of a Unix-domain socket's path: its folder, or the socket in it. */
function missingSocket(socket: string): string {
  const folder = dirname(socket);
  return existsSync(folder)
    ? `the folder ${folder} has no socket ${socket.slice(folder.length + 1)}: no server listens there on that port`
    : `the socket directory ${folder} does not exist`;
}
