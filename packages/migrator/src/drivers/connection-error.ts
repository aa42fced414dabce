/**
 * A session could not be opened: the server cannot be reached, refuses the login, or has no such
 * database. Raised before any SQL ran; the target it names never holds the password.
 */
import { MigratorError } from "../errors/migrator-error.ts";

/** Why the connection failed, from the SQLSTATE or the socket error. */
export type ConnectionFailure =
  | "invalid-url"
  | "not-a-url"
  | "no-socket"
  | "unreadable-file"
  | "unreachable"
  | "authentication"
  | "no-database"
  | "no-embedded-database"
  | "unusable-embedded-folder"
  | "other";

const WHY: Record<ConnectionFailure, string> = {
  "invalid-url": "the connection URL cannot be parsed",
  "not-a-url": "the connection string is not a URL",
  "no-socket": "no server's Unix-domain socket is where the connection URL points",
  "unreadable-file": "a file the connection URL names cannot be read",
  unreachable: "the server cannot be reached",
  authentication: "the server refused the user name or password",
  "no-database": "the database does not exist",
  "no-embedded-database": "the folder holds no embedded database",
  "unusable-embedded-folder": "the path cannot be the embedded database's folder",
  other: "the connection failed",
};

const FIX: Record<ConnectionFailure, string> = {
  "invalid-url":
    "percent-encode the special characters of the user name and password in the URL (encodeURIComponent: # is %23, ? is %3F, / is %2F, @ is %40, : is %3A, % is %25)",
  "not-a-url":
    "write it as a URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in each part)",
  "no-socket":
    "start the server, or correct the socket directory (the URL's host parameter: where the server's unix_socket_directories puts its socket, /var/run/postgresql on Debian) and the port (the socket is named .s.PGSQL.<port>); to connect over TCP instead, give a host name",
  "unreadable-file":
    "correct the path of sslkey, sslcert or sslrootcert in the connection URL, or make the file readable",
  unreachable: "start the server, or correct the host and port in the connection URL",
  authentication: "correct the user and password in the connection URL",
  "no-database": "create the database (createdb), or correct its name in the connection URL",
  "no-embedded-database": "correct the folder's path, or create the database there by migrating it (db:migrate)",
  "unusable-embedded-folder":
    "correct the folder's path to a folder you can write (not a file, nor a link to nowhere), or move what is there out of the way",
  other: "check the connection URL",
};

function failureOf(sqlstate: string | undefined, detail: string): ConnectionFailure {
  if (sqlstate === "invalid-url") return "invalid-url";
  if (sqlstate === "not-a-url") return "not-a-url";
  if (sqlstate === "no-socket") return "no-socket";
  if (sqlstate === "ENOENT" || sqlstate === "EACCES" || sqlstate === "EISDIR") return "unreadable-file";
  if (sqlstate === "28P01" || sqlstate === "28000") return "authentication";
  if (sqlstate === "3D000") return "no-database";
  if (sqlstate === "no-embedded-database") return "no-embedded-database";
  if (sqlstate === "unusable-embedded-folder") return "unusable-embedded-folder";
  const network = ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET"];
  if (network.includes(sqlstate ?? "") || /timeout/i.test(detail)) return "unreachable";
  return "other";
}

/** The session could not be opened (exit code 4). */
export class ConnectionError extends MigratorError {
  override name = "ConnectionError";
  readonly reason: ConnectionFailure;

  constructor(
    /** Where it tried to connect, safe to print. */
    readonly target: string,
    /** The driver's message, with any password removed. */
    readonly detail: string,
    /** The SQLSTATE or socket error code, when there is one. */
    readonly sqlstate?: string,
    /** What to do, when the failure's own words can say it more exactly than its reason's (never a password). */
    fix?: string,
  ) {
    const reason = failureOf(sqlstate, detail);
    super("connection-failed", `cannot connect to ${target}: ${WHY[reason]} (${detail})`, fix ?? FIX[reason]);
    this.reason = reason;
  }

  protected override details(): Record<string, unknown> {
    return {
      target: this.target,
      reason: this.reason,
      detail: this.detail,
      ...(this.sqlstate ? { sqlstate: this.sqlstate } : {}),
    };
  }
}
