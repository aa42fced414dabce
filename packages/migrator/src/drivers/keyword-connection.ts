/**
 * libpq's other way of writing a connection, `host=db port=5432 dbname=app user=me`: the toolkit
 * (node-postgres) reads only URLs, and takes such a string for a relative URL on a host named
 * `base`. To refuse it with the URL to write instead, without ever printing its password.
 */

/** Keywords whose value is a secret: the URL shows a placeholder in their place. */
const SECRET_KEYWORDS = new Set(["password", "sslpassword"]);

/** What stands in the URL for the password. */
const PASSWORD_PLACEHOLDER = "<password>";

/**
 * Whether node-postgres can read the string as a connection: a URL (`postgres://…`, any scheme)
 * or its own form for a socket folder (`/var/run/postgresql dbname`).
 */
export function isConnectionUrl(connection: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(connection) || connection.startsWith("/");
}

/**
 * The URL of a libpq `keyword=value` connection string, every secret replaced by a placeholder;
 * undefined when the string is not that form.
 *
 * @example keywordConnectionUrl("host=db port=5433 dbname=app user=me password=x sslmode=require")
 * // "postgres://me:<password>@db:5433/app?sslmode=require"
 */
export function keywordConnectionUrl(connection: string): string | undefined {
  const pairs = keywordPairs(connection);
  if (!pairs || pairs.length === 0) return undefined;
  const values = new Map(pairs);
  const user = values.get("user");
  const host = values.get("host") ?? values.get("hostaddr");
  const port = values.get("port");
  const database = values.get("dbname");
  const query: string[] = [];
  let authority = "";
  if (user !== undefined || values.has("password")) {
    authority = `${encodeURIComponent(user ?? "")}${values.has("password") ? `:${PASSWORD_PLACEHOLDER}` : ""}@`;
  }
  // A socket folder goes in the query: a URL's host cannot hold its slashes.
  if (host?.startsWith("/")) query.push(`host=${encodeURIComponent(host).replace(/%2F/g, "/")}`);
  else if (host !== undefined) authority += host.includes(":") ? `[${host}]` : host;
  if (port !== undefined) {
    if (host === undefined || host.startsWith("/")) query.push(`port=${encodeURIComponent(port)}`);
    else authority += `:${port}`;
  }
  for (const [key, value] of values) {
    if (["user", "password", "host", "hostaddr", "port", "dbname"].includes(key)) continue;
    query.push(`${key}=${SECRET_KEYWORDS.has(key) ? `<${key}>` : encodeURIComponent(value)}`);
  }
  const path = database === undefined ? "" : `/${encodeURIComponent(database)}`;
  return `postgres://${authority}${path}${query.length ? `?${query.join("&")}` : ""}`;
}

/**
 * The pairs of libpq's `keyword = value` syntax: values bare (up to a space) or in single quotes,
 * a backslash escaping the next character; undefined when the string is not in it.
 */
function keywordPairs(text: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text.charAt(at))) at++;
  };
  skipSpace();
  while (at < text.length) {
    const keyword = /^[a-z_][a-z0-9_]*/i.exec(text.slice(at))?.[0];
    if (!keyword) return undefined;
    at += keyword.length;
    skipSpace();
    if (text.charAt(at) !== "=") return undefined;
    at++;
    skipSpace();
    const quoted = text.charAt(at) === "'";
    if (quoted) at++;
    let value = "";
    while (at < text.length && (quoted ? text.charAt(at) !== "'" : !/\s/.test(text.charAt(at)))) {
      if (text.charAt(at) === "\\") at++;
      value += text.charAt(at);
      at++;
    }
    if (quoted) {
      if (at >= text.length) return undefined;
      at++;
    }
    pairs.push([keyword.toLowerCase(), value]);
    skipSpace();
  }
  return pairs;
}
