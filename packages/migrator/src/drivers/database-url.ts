/**
 * The URL of another database on the same server.
 *
 * @example databaseUrl("postgres://u:p@h:5432/app", "scratch") // "postgres://u:p@h:5432/scratch"
 */
export function databaseUrl(serverUrl: string, database: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
