/**
 * One small interface over the two engines we run on: a PostgreSQL server (node-postgres) and
 * the embedded PGlite. Everything outside `drivers/` is engine-agnostic.
 *
 * A driver is one session: session state (advisory locks, `SET`, transactions) persists between
 * calls, which the runner relies on.
 */
import { inspect } from "node:util";
import { errorMessage } from "../errors/error-message.ts";

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
  /**
   * Cancels the statement running in this session, from another connection (a server only: PGlite
   * runs one statement at a time in this process, so there is nothing to cancel from outside it).
   */
  cancel?(): Promise<void>;
}

/** SQLSTATEs and socket errors that mean the session is gone (the server shut down, the network dropped). */
const LOST_CONNECTION_CODES = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "ECONNRESET", "EPIPE"]);

/** Whether an error means the connection to the server was lost, rather than that a statement failed. */
export function isConnectionLost(error: unknown): boolean {
  const { code, message } = databaseErrorFields(error);
  return (
    LOST_CONNECTION_CODES.has(code ?? "") ||
    /Connection terminated|not queryable|connection error|Client was closed/i.test(message)
  );
}

/** PostgreSQL's SQLSTATE for a missing privilege (insufficient_privilege). */
export const INSUFFICIENT_PRIVILEGE = "42501";

/** A database error as both engines report it (SQLSTATE code, 1-based character position). */
export interface DatabaseErrorFields {
  message: string;
  code?: string;
  position?: number;
  detail?: string;
  hint?: string;
}

/**
 * The error the database raised, under the wrappers a query builder puts around it: Drizzle wraps
 * it in an error whose message is the query text and its parameters ("Failed query: …"), with
 * PostgreSQL's error (SQLSTATE, table) as `cause`.
 */
export function databaseCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const next: unknown = (current as { cause?: unknown } | null)?.cause;
    if (typeof (current as { code?: unknown } | null)?.code === "string" || typeof next !== "object" || next === null)
      break;
    current = next;
  }
  return current;
}

/** Reads the PostgreSQL error fields from an error thrown by node-postgres or PGlite. */
export function databaseErrorFields(error: unknown): DatabaseErrorFields {
  if (typeof error !== "object" || error === null) return { message: errorMessage(error) };
  const e = error as Record<string, unknown>;
  const fields: DatabaseErrorFields = { message: errorMessage(error) };
  if (typeof e["code"] === "string") fields.code = e["code"];
  const position = Number(e["position"]);
  if (Number.isFinite(position) && position > 0) fields.position = position;
  if (typeof e["detail"] === "string") fields.detail = e["detail"];
  if (typeof e["hint"] === "string") fields.hint = e["hint"];
  return fields;
}

/** Connection parameters whose value is a secret (libpq's `password` and `sslpassword`, the client key's passphrase). */
const SECRET_PARAMETERS = new Set(["password", "sslpassword"]);

/**
 * The passwords a connection string carries, in every form `pg` and libpq accept and in the
 * spellings they can come back in: URL userinfo (as written and decoded, and where a `#`, `?` or
 * `/` in the password was not percent-encoded, so the URL does not parse or parses differently), a `password` or
 * `sslpassword` query parameter, and libpq `key=value` pairs (quoted or not).
 *
 * @example connectionPasswords("postgres://u@h/db?password=s%40cret") // ["s%40cret", "s@cret"]
 */
export function connectionPasswords(connection: string): string[] {
  const found = new Set<string>();
  const add = (raw: string) => {
    found.add(raw);
    try {
      found.add(decodeURIComponent(raw));
    } catch {
      // Not percent-encoded: the raw form is the password.
    }
  };
  /** Whether the string parsed as a URL with a password of its own (then the fallback below is not needed). */
  let parsedPassword = false;
  try {
    const url = new URL(connection);
    parsedPassword = url.password !== "";
    if (url.password) add(url.password);
    for (const pair of url.search.slice(1).split("&")) {
      // Split at the first "=" only: the value may hold more (a base64 password ends in "==").
      const split = pair.indexOf("=");
      if (split === -1) continue;
      const key = pair.slice(0, split);
      const value = pair.slice(split + 1);
      if (!SECRET_PARAMETERS.has(decodeURIComponent(key).toLowerCase()) || !value) continue;
      // As written (printed back in the URL), and as pg reads it: a "+" is a space in a query.
      add(value);
      add(value.replace(/\+/g, " "));
    }
  } catch {
    // Not a URL: libpq key=value (below), or the case below.
  }
  // A password with a character that ends the userinfo early (`#`, `?`, `/` not percent-encoded):
  // everything between the scheme's `user:` and the last `@`. Also when such a URL parses: with
  // digits before the `/` (`u:5433/s3cret@h`) it does, as host `u`, port 5433 and a path. Not when
  // it parsed with a password of its own. Where an `@` merely comes later in a URL without one
  // (`h:5432/db?application_name=w@eu`), or the user has an `@` (`user@server:pw@host`, Azure's
  // form), which is which cannot be told: the part is taken for a password, so it is never printed.
  const scheme = connection.indexOf("://");
  const at = connection.lastIndexOf("@");
  const colon = scheme === -1 ? -1 : connection.indexOf(":", scheme + 3);
  if (!parsedPassword && scheme !== -1 && colon !== -1 && colon < at) add(connection.slice(colon + 1, at));
  for (const match of connection.matchAll(/(?:^|\s)(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/gi)) {
    const value = match[1] ?? "";
    found.add(value);
    if (value.startsWith("'")) found.add(value.slice(1, -1).replace(/\\(.)/g, "$1"));
  }
  return [...found].filter((secret) => secret !== "" && secret !== "''");
}

/**
 * A connection string that is safe to print: every password in it replaced with `***`.
 *
 * @example redactUrl("postgres://app:s3cret@db:5432/app") // "postgres://app:***@db:5432/app"
 */
export function redactUrl(connection: string): string {
  return redactSecrets(connection, connectionPasswords(connection));
}

/**
 * The text with every occurrence of each secret (longest first) replaced with `***`: as written,
 * and as JSON and node's `inspect` escape it inside a string (a quote, a backslash), since an
 * error can be printed either way. Two exceptions, where the same letters say nothing of the
 * password because they are printed whatever it is:
 * - a URL's scheme (`postgres://`, `postgresql://`), for the password `postgres`;
 * - in a JSON document, its keys and literals (`"ok": true` for a password `ok` or `true`): only
 *   string values are redacted, decoded first, so the document stays JSON.
 *
 * @example redactSecrets("postgres://app:postgres@db/app", ["postgres"]) // "postgres://app:***@db/app"
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = [...new Set(secrets.filter((secret) => secret !== "").flatMap(escapedForms))].sort(
    (a, b) => b.length - a.length,
  );
  // Most output holds no form of any secret: nothing to parse or rebuild.
  if (!forms.some((form) => text.includes(form))) return text;
  if (isJsonDocument(text)) {
    // Each string literal in turn; a value (not a key: no colon after it) decoded, redacted, encoded again.
    return text.replace(/"(?:[^"\\]|\\.)*"/g, (literal: string, at: number) => {
      if (/^\s*:/.test(text.slice(at + literal.length, at + literal.length + 64))) return literal;
      const value = JSON.parse(literal) as string;
      const redacted = redactText(value, forms);
      return redacted === value ? literal : JSON.stringify(redacted);
    });
  }
  return redactText(text, forms);
}

/** The secret as written, inside a JSON string, and inside a string node's `inspect` prints. */
function escapedForms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), inspect(secret).slice(1, -1)];
}

function isJsonDocument(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

/** A connection URL's scheme (`postgres`, `postgresql` before `://`): printed whatever the password is. */
const SCHEME = /(?<![\w])postgres(?:ql)?(?=:\/\/)/g;

/** `text` with each occurrence of each secret (longest first) replaced, but not the letters of a URL's scheme. */
function redactText(text: string, secrets: readonly string[]): string {
  const kept = [...text.matchAll(SCHEME)].map((m) => [m.index, m.index + m[0].length] as const);
  const cut: (readonly [number, number])[] = [];
  const overlaps = (from: number, to: number, ranges: readonly (readonly [number, number])[]) =>
    ranges.some(([a, b]) => from < b && a < to);
  for (const secret of secrets) {
    for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
      const end = at + secret.length;
      const insideScheme = kept.some(([a, b]) => a <= at && end <= b);
      if (!insideScheme && !overlaps(at, end, cut)) cut.push([at, end]);
    }
  }
  let result = "";
  let from = 0;
  for (const [a, b] of cut.sort((x, y) => x[0] - y[0])) {
    result += `${text.slice(from, a)}***`;
    from = b;
  }
  return result + text.slice(from);
}

/** Removes every form of a connection string's password from a message (drivers sometimes echo it). */
export function scrubPassword(message: string, connection: string | undefined): string {
  return connection ? redactSecrets(message, connectionPasswords(connection)) : message;
}
