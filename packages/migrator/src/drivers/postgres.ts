import pg from "pg";
import { type Driver, redactUrl, scrubPassword } from "./driver.ts";

/** Errors raised before any SQL ran: the server cannot be reached or refuses the login. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly target: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "ConnectionError";
  }
}

/** Opens one session on a PostgreSQL server. The password never appears in errors. */
export async function openPostgresDriver(url: string, options: { applicationName?: string } = {}): Promise<Driver> {
  const target = redactUrl(url);
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? "trovella-migrator",
    connectionTimeoutMillis: 10_000,
  });
  // An idle client whose server goes away emits 'error'; without a listener Node would crash.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    await client.end().catch(() => undefined);
    throw new ConnectionError(
      `cannot connect to ${target}: ${scrubPassword(e.message ?? String(error), url)}`,
      target,
      e.code,
    );
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
  };
}
