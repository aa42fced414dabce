/**
 * The throwaway database `--live` applies the history to: the embedded one the project opens, or
 * a database created for the run on a server (`CREATE DATABASE`, dropped at the end), where a
 * second session can watch what a statement outside a transaction holds.
 */
import { randomBytes } from "node:crypto";
import { databaseUrl } from "../../drivers/database-url.ts";
import type { Driver } from "../../drivers/driver.ts";
import { databaseErrorFields, redactUrl } from "../../drivers/driver.ts";
import { openPostgresDriver } from "../../drivers/postgres.ts";
import { MigratorError } from "../../errors/migrator-error.ts";
import { quoteIdent } from "../../sql/quote-ident.ts";

/** A fresh, empty database that is removed when closed. */
export interface LiveDatabase {
  /** The session the migrations run on. */
  driver: Driver;
  /** Where it is, for the report (never with a password). */
  description: string;
  /** Opens another session on the same database; absent for the embedded database (one session). */
  openSession?: () => Promise<Driver>;
  /** Ends every session and removes the database. */
  close(): Promise<void>;
}

/** Wraps the embedded throwaway database the project opens (one session). */
export async function embeddedLiveDatabase(open: () => Promise<Driver>): Promise<LiveDatabase> {
  const driver = await open();
  return { driver, description: "a throwaway embedded (PGlite) database", close: () => driver.close() };
}

/**
 * Creates `migrator_review_<pid>_<random>` on the server `serverUrl` names (any database URL on it)
 * and opens a session on it; `close()` drops it. Throws a `MigratorError` when the role may not
 * create databases.
 */
export async function serverLiveDatabase(serverUrl: string): Promise<LiveDatabase> {
  const admin = await openPostgresDriver(serverUrl, { applicationName: "migrator-review" });
  const name = `migrator_review_${process.pid}_${randomBytes(4).toString("hex")}`;
  try {
    await admin.exec(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (error) {
    await admin.close();
    const fields = databaseErrorFields(error);
    throw new MigratorError(
      "live-database-refused",
      `--live could not create its throwaway database on ${redactUrl(serverUrl)}: ${fields.message}${fields.code ? ` (SQLSTATE ${fields.code})` : ""}`,
      "give the role CREATEDB, or point --live-url at a server where it has it (without a server URL, --live uses the embedded database)",
    );
  }
  const url = databaseUrl(serverUrl, name);
  const sessions: Driver[] = [];
  const openSession = async () => {
    const session = await openPostgresDriver(url, { applicationName: "migrator-review" });
    sessions.push(session);
    return session;
  };
  const drop = async () => {
    for (const session of sessions) await session.close().catch(() => undefined);
    await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).finally(() => admin.close());
  };
  try {
    const driver = await openSession();
    return {
      driver,
      description: `a throwaway database "${name}" on ${redactUrl(serverUrl)}`,
      openSession,
      close: drop,
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
