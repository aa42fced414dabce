/**
 * A used embedded test database put back into its template's state, so the next test file can
 * have it without a new PGlite start (most of a PGlite clone's cost). What a test made is undone:
 * objects it created are dropped, rows it wrote are replaced by the template's (in the template's
 * physical order), sequences are reset, the session is reset. Then the whole database is compared
 * with the template by a fingerprint of the catalogs, of every table's rows and of every
 * sequence; a database that does not match exactly is not handed out again. The fingerprint, not
 * the undo, is what makes reuse safe: an undo that misses something costs a fresh start.
 *
 * What no catalog shows is not compared, and differs from a fresh clone: a custom setting a test
 * set (`app.tenant_id`) reads as `''` where a fresh session has none (as on a pooled server
 * connection: PostgreSQL cannot remove the placeholder), object and transaction ids keep counting,
 * and files a test wrote into the data directory stay.
 */
import { createHash } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { quoteIdent, quoteLiteral } from "../sql/quote-ident.ts";

/** What a template looks like, read from a fresh clone before any test touched it. */
export interface TemplateState {
  fingerprint: string;
  schemas: string[];
  extensions: string[];
  roles: string[];
  /** Relations, types and routines of the template's own schemas, as `kind name` (oid-free). */
  objects: string[];
  /** The rows of every table the template has rows in, as row text in physical order, by qualified table name. */
  rows: Map<string, string[]>;
  /** Every compared table's rows hashed (null: none), as `tableHashes` gives them. */
  hashes: Map<string, string | null>;
  /** The user the session was started as (`session_user`). */
  login: string;
  /** Every sequence's state, by qualified name. */
  sequences: Map<string, { last: string; called: boolean }>;
}

/** Schemas that belong to PostgreSQL itself. */
const SYSTEM_SCHEMA = `(n.nspname IN ('pg_catalog', 'information_schema') OR n.nspname LIKE 'pg\\_toast%' OR n.nspname LIKE 'pg\\_temp\\_%')`;

/** Catalogs whose rows have oids: the set of user oids (>= 16384) in each must be the template's. */
const OID_CATALOGS = [
  "pg_class",
  "pg_proc",
  "pg_type",
  "pg_namespace",
  "pg_constraint",
  "pg_attrdef",
  "pg_trigger",
  "pg_policy",
  "pg_rewrite",
  "pg_operator",
  "pg_opclass",
  "pg_opfamily",
  "pg_amop",
  "pg_amproc",
  "pg_am",
  "pg_cast",
  "pg_collation",
  "pg_conversion",
  "pg_language",
  "pg_extension",
  "pg_event_trigger",
  "pg_publication",
  "pg_publication_rel",
  "pg_foreign_data_wrapper",
  "pg_foreign_server",
  "pg_user_mapping",
  "pg_ts_config",
  "pg_ts_dict",
  "pg_ts_parser",
  "pg_ts_template",
  "pg_statistic_ext",
  "pg_default_acl",
  "pg_enum",
  "pg_authid",
  "pg_database",
  "pg_tablespace",
  "pg_largeobject_metadata",
  "pg_transform",
];

/**
 * One line per fact a test could observe, oid-free where an object can be altered in place
 * (names, definitions, owners, grants, settings) and by oid set where it can only be made or
 * dropped. Rows of user tables are compared separately (`tableRows`).
 */
const CATALOG_FACTS = `
SELECT 'oids ' || c.catalog || ' ' || c.oids AS fact FROM (${OID_CATALOGS.map(
  (catalog) =>
    `SELECT '${catalog}' AS catalog, coalesce(md5(string_agg(oid::text, ',' ORDER BY oid)), '') AS oids FROM ${catalog} WHERE oid >= 16384`,
).join(" UNION ALL ")}) c
UNION ALL SELECT concat_ws(' ', 'schema', nspname, nspowner::regrole, nspacl) FROM pg_namespace n WHERE NOT ${SYSTEM_SCHEMA} OR n.nspname IN ('pg_catalog', 'information_schema')
UNION ALL SELECT concat_ws(' ', 'class', n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
  c.relispartition, c.reloptions, c.relacl, c.relowner::regrole, c.relreplident, c.reltablespace, c.reloftype::regtype,
  c.relispopulated, pg_get_expr(c.relpartbound, c.oid))
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT (n.nspname LIKE 'pg\\_toast%' OR n.nspname LIKE 'pg\\_temp\\_%')
UNION ALL SELECT concat_ws(' ', 'column', a.attrelid::regclass, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
  a.atthasdef, a.attidentity, a.attgenerated, a.attisdropped, a.attacl, a.attoptions, a.attcollation, a.attstattarget,
  a.attstorage, a.attcompression)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND (NOT ${SYSTEM_SCHEMA} OR a.attacl IS NOT NULL)
UNION ALL SELECT concat_ws(' ', 'default', adrelid::regclass, adnum, pg_get_expr(adbin, adrelid)) FROM pg_attrdef
UNION ALL SELECT concat_ws(' ', 'constraint', conrelid::regclass, contypid::regtype, conname, pg_get_constraintdef(oid), convalidated, connoinherit)
  FROM pg_constraint WHERE oid >= 16384
UNION ALL SELECT concat_ws(' ', 'index', indexrelid::regclass, pg_get_indexdef(indexrelid), indisvalid, indisready, indisclustered, indisreplident)
  FROM pg_index WHERE indexrelid >= 16384
UNION ALL SELECT concat_ws(' ', 'policy', polrelid::regclass, polname, polcmd, polpermissive, polroles::regrole[],
  pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)) FROM pg_policy
UNION ALL SELECT concat_ws(' ', 'trigger', tgrelid::regclass, tgname, pg_get_triggerdef(oid), tgenabled) FROM pg_trigger WHERE oid >= 16384
UNION ALL SELECT concat_ws(' ', 'rule', ev_class::regclass, rulename, ev_enabled, pg_get_ruledef(oid)) FROM pg_rewrite WHERE oid >= 16384
UNION ALL SELECT concat_ws(' ', 'routine', pronamespace::regnamespace, proname, proargtypes, prokind, prosecdef, provolatile, proleakproof,
  proparallel, proisstrict, prorettype::regtype, proconfig, proacl, proowner::regrole, md5(prosrc), probin,
  md5(prosqlbody::text), md5(proargdefaults::text), procost, prorows, prosupport) FROM pg_proc
  WHERE oid >= 16384 OR proacl IS NOT NULL
UNION ALL SELECT concat_ws(' ', 'type', typnamespace::regnamespace, typname, typtype, typnotnull, typdefault, typacl, typowner::regrole,
  typbasetype::regtype, typtypmod) FROM pg_type WHERE oid >= 16384 OR typacl IS NOT NULL
UNION ALL SELECT concat_ws(' ', 'label', enumtypid::regtype, enumsortorder, enumlabel) FROM pg_enum
UNION ALL SELECT concat_ws(' ', 'extension', extname, extversion, extnamespace::regnamespace, extrelocatable, extconfig::regclass[], extcondition) FROM pg_extension
UNION ALL SELECT concat_ws(' ', 'role', rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls,
  rolconnlimit, md5(coalesce(rolpassword, '')), rolvaliduntil) FROM pg_authid
UNION ALL SELECT 'member ' || m::text FROM pg_auth_members m
UNION ALL SELECT 'language ' || l::text FROM pg_language l
UNION ALL SELECT 'tablespace ' || t::text FROM pg_tablespace t
UNION ALL SELECT 'parameter-grant ' || p::text FROM pg_parameter_acl p
UNION ALL SELECT 'sequence-options ' || s::text FROM pg_sequence s
UNION ALL SELECT concat_ws(' ', 'inherits', inhrelid::regclass, inhparent::regclass, inhseqno) FROM pg_inherits
UNION ALL SELECT concat_ws(' ', 'extension-member', classid, objid, objsubid, refobjid) FROM pg_depend WHERE deptype = 'e'
UNION ALL SELECT concat_ws(' ', 'replication-origin', roname) FROM pg_replication_origin
UNION ALL SELECT concat_ws(' ', 'replication-slot', slot_name) FROM pg_replication_slots
UNION ALL SELECT concat_ws(' ', 'session', session_user, current_user)
UNION ALL SELECT concat_ws(' ', 'setting', setdatabase, setrole, setconfig) FROM pg_db_role_setting
UNION ALL SELECT concat_ws(' ', 'database', datname, datdba::regrole, datacl, datallowconn, datconnlimit, datistemplate) FROM pg_database
UNION ALL SELECT concat_ws(' ', 'grant-default', defaclrole::regrole, defaclnamespace, defaclobjtype, defaclacl) FROM pg_default_acl
UNION ALL SELECT concat_ws(' ', 'event-trigger', evtname, evtevent, evtenabled, evttags, evtfoid::regproc) FROM pg_event_trigger
UNION ALL SELECT concat_ws(' ', 'comment', classoid, objoid, objsubid, md5(description)) FROM pg_description
UNION ALL SELECT concat_ws(' ', 'shared-comment', classoid, objoid, md5(description)) FROM pg_shdescription
UNION ALL SELECT concat_ws(' ', 'statistics', count(*)) FROM pg_statistic WHERE starelid >= 16384
UNION ALL SELECT concat_ws(' ', 'large-object', loid, pageno, md5(data)) FROM pg_largeobject
UNION ALL SELECT concat_ws(' ', 'file-setting', sourcefile, name, setting, applied) FROM pg_file_settings
`;

/**
 * The tables whose rows are compared and put back: every table outside PostgreSQL's own schemas,
 * and `information_schema`'s (a superuser can write to them); a partitioned table with its
 * partitions' rows. Populated materialized views are compared too, and refreshed when they differ.
 */
const ROW_TABLES = `
SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind = 'm' AS view,
  (SELECT array_agg(format('%I', a.attname) ORDER BY a.attnum) FROM pg_attribute a
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind IN ('r', 'p') OR (c.relkind = 'm' AND c.relispopulated)) AND NOT c.relispartition
  AND (NOT ${SYSTEM_SCHEMA} OR n.nspname = 'information_schema')
ORDER BY 1`;

interface RowTable {
  name: string;
  view: boolean;
  /** Its columns a row can be written to (not generated), quoted; null when it has none. */
  columns: string[] | null;
}

/**
 * One query over many relations, a row per relation (a single row of one column each would stop
 * at PostgreSQL's 1,664 columns).
 */
async function perRelation<T>(db: PGlite, names: string[], select: (name: string) => string): Promise<T[]> {
  if (names.length === 0) return [];
  const sql = names.map((name) => `SELECT ${quoteLiteral(name)} AS name, ${select(name)}`).join("\nUNION ALL ");
  return (await db.query<T>(sql)).rows;
}

/** Each table's rows as PostgreSQL's row text (arrays keep their bounds), in physical order; null when it has none. */
async function tableRows(db: PGlite, tables: RowTable[]): Promise<Map<string, string[] | null>> {
  const rows = await perRelation<{ name: string; rows: string[] | null }>(
    db,
    tables.map((table) => table.name),
    (name) => `(SELECT array_agg(t::text) FROM ${name} t) AS rows`,
  );
  return new Map(rows.map((row) => [row.name, row.rows]));
}

/** Each table's rows hashed, in physical order (the fingerprint's part; the rows stay in the database). */
async function tableHashes(db: PGlite, tables: RowTable[]): Promise<Map<string, string | null>> {
  const rows = await perRelation<{ name: string; hash: string | null }>(
    db,
    tables.map((table) => table.name),
    (name) => `(SELECT md5(array_agg(t::text)::text) FROM ${name} t) AS hash`,
  );
  return new Map(rows.map((row) => [row.name, row.hash]));
}

/** Every sequence's last value and whether it was called (`pg_sequences` hides the latter). */
async function sequenceStates(db: PGlite): Promise<Map<string, { last: string; called: boolean }>> {
  const names = await column(
    db,
    `SELECT format('%I.%I', n.nspname, c.relname) AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND NOT (n.nspname LIKE 'pg\\_temp\\_%') ORDER BY 1`,
  );
  const rows = await perRelation<{ name: string; last: string; called: boolean }>(
    db,
    names,
    (name) => `(SELECT last_value::text FROM ${name}) AS last, (SELECT is_called FROM ${name}) AS called`,
  );
  return new Map(rows.map((row) => [row.name, { last: row.last, called: row.called }]));
}

async function column(db: PGlite, sql: string): Promise<string[]> {
  return (await db.query<{ v: string }>(sql)).rows.map((row) => row.v);
}

/** The template's schemas, extensions, roles and own objects: what a test may add and reset drops. */
async function inventory(db: PGlite): Promise<Pick<TemplateState, "schemas" | "extensions" | "roles" | "objects">> {
  return {
    schemas: await column(db, `SELECT nspname AS v FROM pg_namespace n WHERE NOT ${SYSTEM_SCHEMA}`),
    extensions: await column(db, "SELECT extname AS v FROM pg_extension"),
    roles: await column(db, "SELECT rolname AS v FROM pg_roles"),
    objects: await column(db, OWN_OBJECTS),
  };
}

/**
 * What a reset can drop by itself, as `kind qualified-name`, in the schemas that stay: relations,
 * types and routines that no extension owns (an extension's go with it).
 */
const OWN_OBJECTS = `
SELECT v FROM (
  SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
    WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END || ' ' || format('%I.%I', n.nspname, c.relname) AS v, c.oid, 'pg_class'::regclass AS cls
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT ${SYSTEM_SCHEMA} AND NOT c.relispartition
    AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END || ' ' || format('%I.%I', n.nspname, t.typname), t.oid, 'pg_type'::regclass
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE NOT ${SYSTEM_SCHEMA} AND t.typtype IN ('c', 'e', 'd', 'r', 'm') AND t.typelem = 0
    AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.classid = 'pg_type'::regclass AND d.deptype = 'i')
  UNION ALL
  SELECT 'ROUTINE ' || format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), p.oid, 'pg_proc'::regclass
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE NOT ${SYSTEM_SCHEMA}
) o
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.classid = o.cls AND d.deptype = 'e')
ORDER BY 1`;

/** The fingerprint: every catalog fact, every table's rows (`hashes`, from {@link tableHashes}) and every sequence's state, hashed. */
async function fingerprint(db: PGlite, hashes: Map<string, string | null>): Promise<string> {
  const [facts] = await column(db, `SELECT md5(string_agg(fact, E'\\n' ORDER BY fact)) AS v FROM (${CATALOG_FACTS}) f`);
  const hash = createHash("sha256").update(facts ?? "");
  for (const [table, rows] of hashes) hash.update(`\n${table} ${rows ?? ""}`);
  for (const [sequence, state] of await sequenceStates(db)) hash.update(`\n${sequence} ${state.last} ${state.called}`);
  return hash.digest("hex");
}

/** Reads the state of a fresh clone: what `recycle` restores and compares against. */
export async function readTemplateState(db: PGlite): Promise<TemplateState> {
  const tables = (await db.query<RowTable>(ROW_TABLES)).rows;
  const rows = new Map<string, string[]>();
  for (const [table, content] of await tableRows(db, tables)) if (content) rows.set(table, content);
  const hashes = await tableHashes(db, tables);
  return {
    fingerprint: await fingerprint(db, hashes),
    ...(await inventory(db)),
    rows,
    hashes,
    login: (await column(db, "SELECT session_user AS v"))[0] ?? "postgres",
    sequences: await sequenceStates(db),
  };
}

/** Drops what the test made beyond the template, and puts back the template's rows and sequences. */
async function undo(db: PGlite, state: TemplateState): Promise<void> {
  await db.exec("ROLLBACK").catch(() => undefined);
  // DISCARD ALL resets the session authorization in PostgreSQL; PGlite needs the user named.
  await db.exec(`SET SESSION AUTHORIZATION ${quoteIdent(state.login)}`);
  await db.exec("DISCARD ALL");
  const made = await inventory(db);
  const statements: string[] = [];
  for (const schema of made.schemas.filter((name) => !state.schemas.includes(name)))
    statements.push(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
  for (const extension of made.extensions.filter((name) => !state.extensions.includes(name)))
    statements.push(`DROP EXTENSION IF EXISTS ${quoteIdent(extension)} CASCADE`);
  for (const object of made.objects.filter((name) => !state.objects.includes(name))) {
    const [kind, ...name] = object.split(" ");
    const keyword = kind === "MATERIALIZED" || kind === "FOREIGN" ? `${kind} ${name.shift()}` : kind;
    statements.push(`DROP ${keyword} IF EXISTS ${name.join(" ")} CASCADE`);
  }
  for (const role of made.roles.filter((name) => !state.roles.includes(name)))
    statements.push(`DROP OWNED BY ${quoteIdent(role)} CASCADE`, `DROP ROLE ${quoteIdent(role)}`);
  for (const statement of statements) await db.exec(statement);

  const tables = (await db.query<RowTable>(ROW_TABLES)).rows;
  const now = await tableHashes(db, tables);
  const changed = tables.filter((table) => (now.get(table.name) ?? null) !== (state.hashes.get(table.name) ?? null));
  const changedTables = changed.filter((table) => !table.view);
  if (changedTables.length > 0) {
    // Triggers and foreign keys stay quiet while the template's rows go back in. CASCADE also
    // empties the tables that reference these, so every table the template has rows in and that
    // is now empty gets them back, in the order the template had them.
    await db.exec("SET session_replication_role = replica");
    await db.exec(`TRUNCATE ${changedTables.map((table) => table.name).join(", ")} CASCADE`);
    const emptied = await tableHashes(db, tables);
    for (const table of tables) {
      const rows = state.rows.get(table.name);
      if (table.view || rows === undefined || emptied.get(table.name) !== null || !table.columns) continue;
      const columns = table.columns.map((name) => `(r).${name}`).join(", ");
      await db.query(
        `INSERT INTO ${table.name} (${table.columns.join(", ")}) OVERRIDING SYSTEM VALUE
         SELECT ${columns} FROM (SELECT row_text::${table.name} AS r FROM unnest($1::text[]) WITH ORDINALITY AS u (row_text, n) ORDER BY n) rows`,
        [rows],
      );
    }
    await db.exec("RESET session_replication_role");
  }
  for (const view of changed.filter((table) => table.view)) await db.exec(`REFRESH MATERIALIZED VIEW ${view.name}`);
  for (const [sequence, { last, called }] of state.sequences)
    await db.query(`SELECT setval(${quoteLiteral(sequence)}, ${last}, ${called})`);
}

/**
 * Puts a used clone back into the template's state and says whether it is exactly that state
 * (then it may be handed out again). Any failure on the way means no.
 */
export async function recycle(db: PGlite, state: TemplateState): Promise<boolean> {
  if (db.closed) return false;
  try {
    await undo(db, state);
    const hashes = await tableHashes(db, (await db.query<RowTable>(ROW_TABLES)).rows);
    return (await fingerprint(db, hashes)) === state.fingerprint;
  } catch {
    return false;
  }
}
