/**
 * One small interface over the two engines we run on: a PostgreSQL server (node-postgres) and
 * the embedded PGlite. Everything outside `drivers/` is engine-agnostic.
 *
 * A driver is one session: session state (advisory locks, `SET`, transactions) persists between
 * calls, which the runner relies on.
 */
export interface Driver {
  /** Which engine: `postgres` (a server) or `pglite` (embedded). */
  readonly dialect: "postgres" | "pglite";
  /** Where it points, safe to print: a URL without its password, or the PGlite folder. */
  readonly target: string;
  /** One statement with bind parameters (extended protocol); returns the rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Raw SQL without parameters (simple protocol): may hold several statements or a DO block. */
  exec(sql: string): Promise<void>;
  /** Ends the session (for PGlite: closes the database unless the driver does not own it). */
  close(): Promise<void>;
}

/** A database error as both engines report it (SQLSTATE code, 1-based character position). */
export interface DatabaseErrorFields {
  message: string;
  code?: string;
  position?: number;
  detail?: string;
  hint?: string;
}

/** Reads the PostgreSQL error fields from an error thrown by node-postgres or PGlite. */
export function databaseErrorFields(error: unknown): DatabaseErrorFields {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const e = error as Record<string, unknown>;
  const fields: DatabaseErrorFields = { message: typeof e["message"] === "string" ? e["message"] : String(error) };
  if (typeof e["code"] === "string") fields.code = e["code"];
  const position = Number(e["position"]);
  if (Number.isFinite(position) && position > 0) fields.position = position;
  if (typeof e["detail"] === "string") fields.detail = e["detail"];
  if (typeof e["hint"] === "string") fields.hint = e["hint"];
  return fields;
}

/**
 * A connection URL that is safe to print: the password is replaced with `***`.
 *
 * @example redactUrl("postgres://app:s3cret@db:5432/app") // "postgres://app:***@db:5432/app"
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

/** Removes every occurrence of a URL's password from a message (drivers sometimes echo it). */
export function scrubPassword(message: string, url: string | undefined): string {
  if (!url) return message;
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? message.split(password).join("***") : message;
  } catch {
    return message;
  }
}
