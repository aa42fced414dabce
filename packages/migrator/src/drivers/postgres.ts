import { ConnectionError } from "./connection-error.ts";
import { type Driver, redactUrl, scrubPassword } from "./driver.ts";

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
    const e = error as { code?: string; message?: string };
    await client.end().catch(() => undefined);
    throw new ConnectionError(target, scrubPassword(e.message ?? String(error), url), e.code);
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
