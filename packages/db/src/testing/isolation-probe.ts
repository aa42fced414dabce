/**
 * The isolation probe: what a tenant can actually see and change in a seeded database, tried
 * through `withTenantContext` the way the application runs, for every relation the tenant role
 * can read (found in the catalog, not listed). It reports leaks as data; a clean database gives
 * none. The mutation run (`pnpm test:rls-mutations`) runs it after each weakening, next to
 * `db:rls`, and `isolation-probe.db.test.ts` runs it on a freshly seeded database.
 *
 * For each organization that has a member, as that member:
 * - a relation with the tenant column shows no row of another organization;
 * - any other relation (not declared shared) shows fewer rows than the owner sees, when the owner
 *   sees rows of more than one organization or user (a table that shows a tenant everything is a
 *   global table left open);
 * - an UPDATE or DELETE aimed at other organizations' rows touches none, and a copy of one of its
 *   own rows re-labelled with another organization cannot be inserted (all rolled back);
 * and as `anonymous`, every relation that is not shared shows nothing (or refuses).
 *
 * Every name it writes is schema-qualified: a database or role default `search_path` (or a schema
 * named like a role, found by `"$user"`) must not put another schema's `member` or table in the
 * place of the one probed. A tenant context that cannot be opened is reported as a leak, with
 * its error, and the probe goes on.
 */
import { sql } from "drizzle-orm";
import { type Driver, probeRlsCatalog, type RelationInfo } from "@repo/migrator";
import { type Database, type Transaction, withTenantContext } from "../client.ts";
import { RLS_CONFIG } from "../project.ts";

/** One way a tenant (or anonymous) got past the boundary. */
export interface ProbeLeak {
  /** Who tried: `org_x as user_y`, or `anonymous`. */
  context: string;
  relation: string;
  detail: string;
}

const quote = (name: string) =>
  name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");

/** A relation's name as the catalog probe gives it (`name` in the configured schema, `schema.name` elsewhere), qualified and quoted. */
const relationSql = (name: string) => quote(name.includes(".") ? name : `${RLS_CONFIG.schema}.${name}`);

const errorText = (error: unknown) =>
  error instanceof Error
    ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`
    : String(error);

/** Runs one statement in a savepoint that is always rolled back; returns its rows, or the error. */
async function attempt<T>(tx: Transaction, text: string): Promise<{ rows: T[] } | { error: unknown }> {
  const rollback = new Error("probe rollback");
  let rows: T[] = [];
  try {
    await tx.transaction(async (sp) => {
      rows = ((await sp.execute(sql.raw(text))) as unknown as { rows: T[] }).rows;
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) return { error };
  }
  return { rows };
}

async function columnsOf(driver: Driver, relation: string): Promise<{ name: string; key: boolean }[]> {
  return driver.query<{ name: string; key: boolean }>(
    `select a.attname as name,
            exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indisunique and a.attnum = any (i.indkey)) as key
       from pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      order by a.attnum`,
    [relationSql(relation)],
  );
}

/** Probes the database; returns every leak found (none on an isolated database). */
export async function probeIsolation(db: Database, driver: Driver): Promise<ProbeLeak[]> {
  const column = RLS_CONFIG.tenantColumn;
  const catalog = await probeRlsCatalog(driver, RLS_CONFIG);
  const shared = new Set(RLS_CONFIG.sharedTables ?? []);
  const readable = catalog.relations.filter(
    (r: RelationInfo) =>
      r.kind !== "sequence" && (r.access[RLS_CONFIG.role] ?? []).includes("SELECT") && !shared.has(r.name),
  );
  const members = await driver.query<{ tenant: string; user: string }>(
    `select distinct on (organization_id) organization_id as tenant, user_id as "user" from ${relationSql("member")} order by organization_id, id`,
  );
  const leaks: ProbeLeak[] = [];
  const totals = new Map<string, { total: number; owners: number }>();
  for (const relation of readable) {
    const owners = relation.hasTenantColumn
      ? `count(distinct ${quote(column)})`
      : (await columnsOf(driver, relation.name)).some((c) => c.name === "user_id")
        ? "count(distinct user_id)"
        : "count(*)";
    const [row] = await driver.query<{ total: number; owners: number }>(
      `select count(*)::int as total, ${owners}::int as owners from ${relationSql(relation.name)}`,
    );
    totals.set(relation.name, row ?? { total: 0, owners: 0 });
  }
  const columns = new Map<string, { name: string; key: boolean }[]>();
  for (const relation of readable.filter((r) => r.hasTenantColumn && r.kind === "table")) {
    columns.set(relation.name, await columnsOf(driver, relation.name));
  }
  const other = (tenant: string) => members.find((m) => m.tenant !== tenant)?.tenant ?? "org_probe_nobody";

  for (const { tenant, user } of members) {
    const context = `${tenant} as ${user}`;
    const found = await withTenantContext(
      tenant,
      user,
      async (tx) => {
        const local: ProbeLeak[] = [];
        const literal = `'${tenant.replaceAll("'", "''")}'`;
        for (const relation of readable) {
          const name = relationSql(relation.name);
          if (relation.hasTenantColumn) {
            const seen = await attempt<{ others: number }>(
              tx,
              `select count(*)::int as others from ${name} where ${quote(column)} is distinct from ${literal}`,
            );
            if ("rows" in seen && (seen.rows[0]?.others ?? 0) > 0) {
              local.push({
                context,
                relation: relation.name,
                detail: `reads ${seen.rows[0]?.others} rows of other organizations`,
              });
            }
          } else {
            const total = totals.get(relation.name) ?? { total: 0, owners: 0 };
            const seen = await attempt<{ n: number }>(tx, `select count(*)::int as n from ${name}`);
            if ("rows" in seen && total.total > 1 && total.owners !== 1 && (seen.rows[0]?.n ?? 0) >= total.total) {
              local.push({
                context,
                relation: relation.name,
                detail: `reads all ${total.total} rows, as the owner does`,
              });
            }
          }
          const cols = columns.get(relation.name);
          if (!cols) continue;
          for (const verb of ["update", "delete"] as const) {
            const text =
              verb === "update"
                ? `update ${name} set ${quote(column)} = ${quote(column)} where ${quote(column)} <> ${literal} returning 1`
                : `delete from ${name} where ${quote(column)} <> ${literal} returning 1`;
            const done = await attempt<unknown>(tx, text);
            if ("rows" in done && done.rows.length > 0) {
              local.push({
                context,
                relation: relation.name,
                detail: `${verb}s ${done.rows.length} rows of other organizations`,
              });
            }
          }
          const target = `'${other(tenant).replaceAll("'", "''")}'`;
          const list = cols.map((c) => quote(c.name)).join(", ");
          const values = cols
            .map((c) => (c.name === column ? target : c.key ? `${quote(c.name)} || '_probe'` : quote(c.name)))
            .join(", ");
          const forged = await attempt<unknown>(
            tx,
            `insert into ${name} (${list}) select ${values} from ${name} where ${quote(column)} = ${literal} limit 1 returning 1`,
          );
          if ("rows" in forged && forged.rows.length > 0) {
            local.push({ context, relation: relation.name, detail: `inserts a row for ${other(tenant)}` });
          }
        }
        return local;
      },
      db,
    ).catch((error: unknown): ProbeLeak[] => [
      { context, relation: "member", detail: `the tenant context could not be opened: ${errorText(error)}` },
    ]);
    leaks.push(...found);
  }
  leaks.push(...(await probeAnonymous(driver, catalog.relations, shared)));
  return leaks;
}

/** As `anonymous` (no tenant, no user), every relation that is not shared shows nothing. */
async function probeAnonymous(driver: Driver, relations: RelationInfo[], shared: Set<string>): Promise<ProbeLeak[]> {
  const leaks: ProbeLeak[] = [];
  const anonymous = (RLS_CONFIG.otherRoles ?? [])[0];
  if (!anonymous) return leaks;
  for (const relation of relations.filter((r) => r.kind !== "sequence" && !shared.has(r.name) && r.access[anonymous])) {
    await driver.exec("begin");
    try {
      // The login role may not be a member of anonymous (a non-superuser owner is only granted
      // authenticated): then this side cannot be tried here, and db:rls's stray-grant covers it.
      await driver.exec(`set local role ${quote(anonymous)}`);
    } catch {
      await driver.exec("rollback");
      return leaks;
    }
    try {
      const [row] = await driver.query<{ n: number }>(`select count(*)::int as n from ${relationSql(relation.name)}`);
      if ((row?.n ?? 0) > 0)
        leaks.push({ context: anonymous, relation: relation.name, detail: `reads ${row?.n} rows` });
    } catch {
      // refused: not a leak
    } finally {
      await driver.exec("rollback");
    }
  }
  return leaks;
}
