import type { PGlite } from "@electric-sql/pglite";
import type { Driver } from "./driver.ts";

/**
 * Wraps an open PGlite database. PGlite is a single connection, so the caller passes the one
 * instance it owns (created with the extensions its schema needs) and decides whether `close()`
 * also closes the database.
 */
export function pgliteDriver(db: PGlite, options: { target: string; owned?: boolean }): Driver {
  return {
    dialect: "pglite",
    target: options.target,
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await db.query<Row>(sql, params as unknown[] | undefined);
      return result.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async close() {
      if (options.owned) await db.close();
    },
  };
}
