import type { Driver } from "../drivers/driver.ts";

/** Anything with a callback-style `transaction` that rolls back when the callback throws (Drizzle, PGlite). */
export interface Transactional<Tx> {
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
}

const ROLLBACK = Symbol("withRollback");

function isDriver(db: unknown): db is Driver {
  return typeof db === "object" && db !== null && "exec" in db && "dialect" in db && !("transaction" in db);
}

/**
 * Runs `fn` in a transaction that is always rolled back, and returns what `fn` returned: a test
 * that needs no commit leaves nothing behind and costs milliseconds instead of a fresh database.
 * Takes a Drizzle database, a PGlite instance (anything with `transaction(fn)`) or a `Driver`
 * session (BEGIN … ROLLBACK). Use only `tx` inside `fn`: on PGlite (one connection) a query
 * through another handle would wait for the transaction forever, and on a server it would not
 * see the uncommitted rows.
 *
 * @example
 * const count = await withRollback(t.db, async (tx) => {
 *   await tx.insert(organization).values({ id: "o1", name: "Acme", slug: "acme" });
 *   return tx.$count(organization);
 * }); // 1, and the table is empty again afterwards
 */
export async function withRollback<T>(db: Driver, fn: (tx: Driver) => Promise<T>): Promise<T>;
export async function withRollback<Tx, T>(db: Transactional<Tx>, fn: (tx: Tx) => Promise<T>): Promise<T>;
export async function withRollback<Tx, T>(
  db: Transactional<Tx> | Driver,
  fn: ((tx: Tx) => Promise<T>) | ((tx: Driver) => Promise<T>),
): Promise<T> {
  if (isDriver(db)) {
    await db.exec("BEGIN");
    try {
      return await (fn as (tx: Driver) => Promise<T>)(db);
    } finally {
      await db.exec("ROLLBACK");
    }
  }
  let result: { value: T } | undefined;
  try {
    await db.transaction(async (tx) => {
      result = { value: await (fn as (tx: Tx) => Promise<T>)(tx) };
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  if (!result) throw new Error("withRollback: the transaction ended without running the callback");
  return result.value;
}
