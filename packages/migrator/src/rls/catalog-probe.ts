/**
 * Reads what Row-Level Security looks like in a live database: the tenant tables with their
 * RLS flags, every policy, every relation and routine the app roles can reach (with what they may
 * do to it), and the roles' own attributes. Pure reading; judging is `buildCoverageMatrix`'s job.
 *
 * What an app role can reach is what it holds a privilege on, whatever its schema's USAGE: a view
 * (`security_invoker` or not), a SQL-standard function body (`BEGIN ATOMIC`), a rule, a default and
 * a policy name the tables and routines they use by OID, and PostgreSQL then checks the privilege
 * on the object alone. A table granted to an app role in a schema it cannot use is read through an
 * invoker view in one it can; a SECURITY DEFINER function there is called from an invoker
 * function's body; a sequence's functions take a bare OID.
 */
import type { Driver } from "../drivers/driver.ts";
import { loadParser } from "../sql/parse-migration.ts";
import { appRoles, type RlsConfig } from "./rls-config.ts";
import { routineBodyUses } from "./routine-body-uses.ts";
import { searchPathSchemas } from "./search-path-value.ts";

/**
 * A table that has the tenant column: every one in the configured schema, and every one elsewhere
 * that an app role has a privilege on (a copy in an `archive` schema is tenant data all the same),
 * whether or not the role may use its schema (see above).
 */
export interface TenantTableInfo {
  /** `table` in the configured schema, `schema.table` elsewhere. */
  table: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  owner: string;
  /**
   * The tenant column's collation when it is nondeterministic (`deterministic = false`): it can
   * call two different tenant ids equal, so the policies' comparison lets another tenant's rows through.
   */
  nondeterministicCollation: string | null;
}

/** One policy as `pg_policies` describes it; expressions are PostgreSQL's deparsed text. */
export interface PolicyInfo {
  /** The table, `schema.table` outside the configured schema. */
  table: string;
  /** The table's own name, unqualified: how its expressions name its row inside a sub-select. */
  relname: string;
  name: string;
  permissive: boolean;
  /** Role names; `public` means every role. */
  roles: string[];
  /** `select`, `insert`, `update`, `delete` or `all`. */
  command: string;
  using: string | null;
  withCheck: string | null;
}

/** A table without the tenant column that the tenant role may SELECT from. */
export interface ReadableTableInfo {
  table: string;
  rlsEnabled: boolean;
  /** Policies on it, if any (for example a user-scoped table). */
  policies: string[];
}

/** The tenant role's attributes that would defeat RLS. */
export interface RoleInfo {
  name: string;
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** `schema.table` of every relation it owns: an owner is not subject to RLS unless FORCEd. */
  ownedTables: string[];
}

/** The privileges a table-like object can carry, as `has_table_privilege` names them. */
export const TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"] as const;

/** The privileges a sequence can carry: USAGE (nextval, currval), SELECT (read it), UPDATE (setval). */
const SEQUENCE_PRIVILEGES = ["USAGE", "SELECT", "UPDATE"] as const;

/** A relation outside the system schemas, with what each app role may do to it. */
export interface RelationInfo {
  /** `name` in the configured schema, `schema.name` elsewhere. */
  name: string;
  /** `table`, `partitioned table`, `view`, `materialized view`, `foreign table` or `sequence`. */
  kind: string;
  rlsEnabled: boolean;
  hasTenantColumn: boolean;
  /** A view created `WITH (security_invoker = true)`: its tables' policies apply to the caller. */
  securityInvoker: boolean;
  /** An index whose first column is the tenant column exists. */
  tenantIndex: boolean;
  /** Tenant tables a view or materialized view reads, directly. */
  readsTenantTables: string[];
  /** Every relation a view or materialized view reads, directly (what a shared one may hold). */
  readsRelations: string[];
  /**
   * Privileges per app role (column privileges count): a table's as `TABLE_PRIVILEGES` names them,
   * a sequence's USAGE, SELECT and UPDATE; whatever the schema's USAGE (see above).
   */
  access: Record<string, string[]>;
  /** Rules on it other than a view's `_RETURN`: their actions run with the owner's rights. */
  rules: string[];
  /**
   * Triggers on it whose function runs as another role: SECURITY DEFINER (as its owner), or a
   * `SET role` / `SET session_authorization` in its definition. `runsAs` says which.
   */
  definerTriggers: { name: string; function: string; runsAs: string }[];
  /**
   * Routines that run as another role (as `definerTriggers` counts them) which something attached
   * to it calls by OID: a column default or generated column, a constraint, its view definition or
   * a rule, a trigger's WHEN, an index expression, a policy. They run whatever their schema's
   * USAGE or their EXECUTE grant says. `via` names the attachment, `name` the routine as
   * `definerRoutines` declares it.
   */
  definerDependencies: {
    via: string;
    function: string;
    name: string;
    runsAs: string;
    /** For an aggregate: the support function that runs as another role (it runs when the aggregate does). */
    supportFunction?: string | null;
  }[];
  /**
   * Triggers on it that a foreign key's action fires (ON DELETE CASCADE, SET NULL, SET DEFAULT,
   * ON UPDATE …): PostgreSQL runs the action as this table's owner, past RLS, and the trigger
   * with it, SECURITY INVOKER or not.
   */
  actionTriggers: ActionTriggerInfo[];
  /**
   * The tables that inherit from it, at any depth (INHERITS, or partitions): reading it returns
   * their rows too, under its own policies, not theirs.
   */
  descendants: { name: string; hasTenantColumn: boolean; rlsEnabled: boolean }[];
}

/** A trigger that a foreign key's action fires, so that it runs as the table's owner. */
export interface ActionTriggerInfo {
  name: string;
  /** The trigger function, `name(args)`. */
  function: string;
  /** The trigger function as `definerRoutines` declares it. */
  routine: string;
  /** What fires it: `ON DELETE CASCADE of <constraint> (references <table>)`, … */
  actions: string[];
  /** How the function itself runs as another role (as `definerTriggers` says it), or null. */
  runsAs: string | null;
  /**
   * What its body names that can hold another tenant's rows: relations, routines of the
   * database's own (not PostgreSQL's built-ins), built-ins that run SQL text.
   */
  uses: string[];
  /** Why its body could not be read in full, or null. */
  unread: string | null;
}

/** A function or procedure outside the system schemas that an app role can execute. */
export interface RoutineInfo {
  /** `name(args)`, schema-qualified outside the configured schema. */
  signature: string;
  /** `name` or `schema.name`, as `definerRoutines` declares it. */
  name: string;
  securityDefiner: boolean;
  /**
   * The `role=…` or `session_authorization=…` entry of its `proconfig`, if any: a SECURITY
   * INVOKER routine defined with `SET role = owner` runs as that role all the same.
   */
  setsRole: string | null;
  /** `proconfig` sets `search_path`. */
  pinnedSearchPath: boolean;
  /** The extension it belongs to, if any. */
  extension: string | null;
  /** The app roles that may execute it. */
  executableBy: string[];
  /**
   * For an aggregate: the support function (state, final, combine… function) that runs as another
   * role. PostgreSQL checks EXECUTE on it as the aggregate's owner, so whoever may call the
   * aggregate runs it; `securityDefiner`, `setsRole` and `pinnedSearchPath` are then its.
   */
  supportFunction?: string | null;
  /**
   * The `proconfig` entry that sets the tenant or the user setting (`app.tenant_id=…`), its own
   * or its support function's: the routine's statements run for that tenant, whoever calls it.
   */
  setsSetting?: string | null;
}

/**
 * A function of the project that a policy calls (`pg_depend`): what `db:rls` needs to tell a
 * helper that reads the tenant or user setting (`app.current_tenant()`) from any other function.
 */
export interface PolicyFunctionInfo {
  /** Its schema and name, unquoted: a policy's expression calls it `schema.name`. */
  schema: string;
  name: string;
  /** How many arguments it takes, those with defaults and a VARIADIC one included. */
  argumentCount: number;
  /** `sql`, `plpgsql`, `c`… */
  language: string;
  /** Its `prosrc`: a SQL function's body as written (empty for a SQL-standard `RETURN` body). */
  body: string;
  /** `provolatile`: `i` (immutable), `s` (stable) or `v` (volatile). */
  volatility: string;
  /** `schema.type` of what it returns (`pg_catalog.uuid`). */
  returnType: string;
  returnsSet: boolean;
  /** Its `proconfig` entries (`search_path=pg_catalog`). */
  config: string[];
  /** The app roles that may replace or alter it: its owner, members of its owner, superusers. */
  changeableBy: string[];
}

/** An app role's attributes and links that would defeat RLS. */
export interface AppRoleInfo extends RoleInfo {
  /** Roles it is a member of that bypass RLS, are superusers or own relations. */
  escalations: string[];
  /**
   * Every role it is a member of, directly or indirectly, inheriting or not (`SET ROLE` reaches
   * them all): a policy for any of them applies to it.
   */
  memberOf: string[];
  /** Schemas it may CREATE objects in. */
  createSchemas: string[];
  /**
   * Objects other than relations that it owns in this database (types, functions, schemas,
   * sequences…), as PostgreSQL describes them: an owner may alter or drop them (CASCADE takes the
   * columns and objects that depend on them).
   */
  ownedObjects?: string[];
  /**
   * Large objects it can use: it (or a role it is a member of) owns them, they are granted to it
   * or to PUBLIC, or `lo_compat_privileges` lets everyone read them. Large objects have no RLS, and
   * every tenant runs as the app role, so each tenant reads (`lo_get`) what another stored.
   */
  largeObjects: number;
}

/** An enabled event trigger that no extension owns: it runs on DDL by any role, the app roles' too. */
export interface EventTriggerInfo {
  name: string;
  /** `ddl_command_start`, `ddl_command_end`, `sql_drop` or `table_rewrite`. */
  event: string;
  function: string;
  /** `SECURITY DEFINER`, `SET role=…`, or null when the function runs as whoever fires it. */
  runsAs: string | null;
}

/**
 * A foreign key from one table with the tenant column to another. Its check and its ON DELETE
 * action run past RLS, so unless the key pairs the two tenant columns, a row of one tenant can
 * point at another tenant's row.
 */
export interface TenantReferenceInfo {
  /** The referencing table (`schema.table` outside the configured schema). */
  table: string;
  constraint: string;
  /** The referenced table, named the same way. */
  references: string;
  columns: string[];
  referencedColumns: string[];
  /** `no action`, `restrict`, `cascade`, `set null` or `set default`. */
  onDelete: string;
  /** The key equates the referencing row's tenant column with the referenced row's. */
  tenantPaired: boolean;
}

/**
 * A default `search_path` the app's sessions start with: set for the database (or all
 * databases), for all roles or for one the app runs as or connects as.
 */
export interface SearchPathDefaultInfo {
  /** The database it is set for, or null for every database. */
  database: string | null;
  /** The role it is set for, or null for every role. */
  role: string | null;
  /** The setting as stored (`api, public`). */
  value: string;
  /** Its schemas, quotes removed (`$user` stays as written); null when it could not be read. */
  schemas: string[] | null;
}

/** Everything `buildCoverageMatrix` needs, read in one go. */
export interface RlsCatalog {
  config: RlsConfig;
  tenantTables: TenantTableInfo[];
  policies: PolicyInfo[];
  readableNonTenantTables: ReadableTableInfo[];
  role: RoleInfo;
  /** Every relation outside the system schemas, reachable or not. */
  relations: RelationInfo[];
  /** Every routine outside the system schemas that an app role can execute. */
  routines: RoutineInfo[];
  /** The project's functions that policies call. */
  policyFunctions?: PolicyFunctionInfo[];
  /** The app roles (the tenant role first). */
  appRoles: AppRoleInfo[];
  /** Enabled event triggers no extension owns. */
  eventTriggers?: EventTriggerInfo[];
  /** Foreign keys between tables with the tenant column. */
  tenantReferences?: TenantReferenceInfo[];
  /** Default `search_path` settings that apply to the app's sessions. */
  searchPathDefaults?: SearchPathDefaultInfo[];
  /**
   * Schemas named like an app role that the role may use: `"$user"`, first in PostgreSQL's
   * default `search_path`, finds them before `public` once a session runs as that role.
   */
  roleSchemas?: { schema: string; role: string }[];
}

/** The first OID PostgreSQL gives an object created after initdb (`FirstNormalObjectId`). */
const FIRST_NORMAL_OID = 16384;

/**
 * Whether object `<oid>` of schema `<ns>` is the project's (SQL): outside the system schemas, or
 * in `pg_catalog` or `information_schema` but created after initdb (a superuser can create
 * functions and views there; PostgreSQL's own have lower OIDs).
 */
const projectObject = (oid: string, ns = "n") =>
  `(${ns}.nspname not like 'pg\\_toast%' and ${ns}.nspname not like 'pg\\_temp\\_%'
    and (${ns}.nspname not in ('pg_catalog', 'information_schema') or ${oid} >= ${FIRST_NORMAL_OID}))`;

/**
 * The `proconfig` entry of routine `p` that switches the role it runs as (`role=…`,
 * `session_authorization=…`), or null (SQL). Such a routine runs as that role whoever calls it.
 */
const roleSetting = (p: string) =>
  `(select c from unnest(${p}.proconfig) c where lower(c) like 'role=%' or lower(c) like 'session\\_authorization=%' limit 1)`;

/**
 * The `proconfig` entry of routine `p` that sets one of `<settings>` (SQL for a `text[]` of
 * lower-case names: the tenant and user settings), or null (SQL). Such a routine runs its
 * statements for that tenant or user, whoever calls it.
 */
const settingSetting = (p: string, settings: string) =>
  `(select c from unnest(${p}.proconfig) c where lower(split_part(c, '=', 1)) = any (${settings}) limit 1)`;

/** How routine `p` itself runs as another role or tenant (`SECURITY DEFINER`, `SET role=…`, `SET app.tenant_id=…`), or null (SQL). */
const ownRunsAs = (p: string, settings: string) =>
  `case when ${p}.prosecdef then 'SECURITY DEFINER' else 'SET ' || coalesce(${roleSetting(p)}, ${settingSetting(p, settings)}) end`;

/**
 * The support functions `s` of aggregate `p` (SQL: a FROM and WHERE to extend with AND). They
 * run when the aggregate does, and PostgreSQL checks EXECUTE on them as the aggregate's owner.
 */
const supportFunctions = (p: string) =>
  `pg_aggregate ag join pg_proc s on s.oid in (ag.aggtransfn, ag.aggfinalfn, ag.aggcombinefn, ag.aggserialfn,
     ag.aggdeserialfn, ag.aggmtransfn, ag.aggminvtransfn, ag.aggmfinalfn) where ag.aggfnoid = ${p}.oid`;

/** The support function of aggregate `p` that runs as another role or tenant (`name(args)`), or null (SQL). */
const runningSupport = (p: string, settings: string) =>
  `(select s.oid::regprocedure::text from ${supportFunctions(p)} and ${ownRunsAs("s", settings)} is not null order by 1 limit 1)`;

/**
 * How routine `p` runs as another role or tenant, by its own definition or (an aggregate) by a
 * support function's, or null (SQL). `<settings>` as `settingSetting` takes them.
 */
const runsAs = (p: string, settings: string) =>
  `coalesce(${ownRunsAs(p, settings)}, (select ${ownRunsAs("s", settings)} from ${supportFunctions(p)}
     and ${ownRunsAs("s", settings)} is not null order by s.oid::regprocedure::text limit 1))`;

/** The tenant and user settings, lower-cased: what a routine must not set for itself. */
const contextSettings = (config: RlsConfig) =>
  [config.tenantSetting, config.userSetting].filter((s): s is string => Boolean(s)).map((s) => s.toLowerCase());

/** `name` in the configured schema, `schema.name` elsewhere (SQL over `<ns>.nspname` and a name). */
const displayName = (name: string, ns = "n") =>
  `case when ${ns}.nspname = $1 then ${name} else ${ns}.nspname || '.' || ${name} end`;

/** Whether relation `<rel>` has the tenant column `$2` (SQL). */
const hasTenantColumn = (rel: string) =>
  `exists (select 1 from pg_attribute a where a.attrelid = ${rel} and a.attname = $2 and a.attnum > 0 and not a.attisdropped)`;

/** Names of the tables in `config.schema` that have the tenant column, sorted. */
export async function catalogTenantTables(driver: Driver, config: RlsConfig): Promise<string[]> {
  const rows = await driver.query<{ table: string }>(
    `select c.relname as "table"
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p')
        and ${hasTenantColumn("c.oid")}
      order by 1`,
    [config.schema, config.tenantColumn],
  );
  return rows.map((r) => r.table);
}

/** Reads the RLS state of `config.schema` for `config.role`. */
export async function probeRlsCatalog(driver: Driver, config: RlsConfig): Promise<RlsCatalog> {
  // The matrix reads policy expressions with PostgreSQL's parser.
  await loadParser();
  const tenantTables = await driver.query<TenantTableInfo>(
    `select ${displayName("c.relname")} as "table", c.relrowsecurity as "rlsEnabled", c.relforcerowsecurity as "rlsForced",
            pg_get_userbyid(c.relowner) as owner,
            (select co.oid::regcollation::text from pg_attribute a join pg_collation co on co.oid = a.attcollation
              where a.attrelid = c.oid and a.attname = $2 and not co.collisdeterministic) as "nondeterministicCollation"
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${projectObject("c.oid")} and c.relkind in ('r', 'p')
        and ${hasTenantColumn("c.oid")}
        and (n.nspname = $1 or exists (
              select 1 from pg_roles r
               where r.rolname = any ($3::text[])
                 and (has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                      or has_any_column_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))))
      order by n.nspname <> $1, 1`,
    [config.schema, config.tenantColumn, appRoles(config)],
  );
  const policies = await withCatalogSearchPath(driver, () =>
    driver.query<PolicyInfo>(
      `select case when schemaname = $1 then tablename::text else schemaname || '.' || tablename end as "table",
            tablename::text as relname, policyname as name, permissive = 'PERMISSIVE' as permissive,
            roles::text[] as roles, lower(cmd) as command, qual as using, with_check as "withCheck"
       from pg_policies
      where exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                     where c.relname = tablename and n.nspname = schemaname and ${projectObject("c.oid")})
      order by 1, policyname`,
      [config.schema],
    ),
  );
  const [roleRow] = await driver.query<{ superuser: boolean; bypassRls: boolean; ownedTables: string[] }>(
    `select r.rolsuper as superuser, r.rolbypassrls as "bypassRls",
            array(select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1)::text[] as "ownedTables"
       from pg_roles r where r.rolname = $1`,
    [config.role],
  );
  const role: RoleInfo = roleRow
    ? { name: config.role, exists: true, ...roleRow }
    : { name: config.role, exists: false, superuser: false, bypassRls: false, ownedTables: [] };
  const readableNonTenantTables = role.exists
    ? await driver.query<ReadableTableInfo>(
        `select c.relname as "table", c.relrowsecurity as "rlsEnabled",
                array(select p.polname from pg_policy p where p.polrelid = c.oid order by 1)::text[] as policies
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'p')
            and not ${hasTenantColumn("c.oid")}
            and has_table_privilege($3, c.oid, 'SELECT')
          order by 1`,
        [config.schema, config.tenantColumn, config.role],
      )
    : [];
  const roles = await probeAppRoles(driver, config);
  const existing = roles.filter((r) => r.exists).map((r) => r.name);
  return {
    config,
    tenantTables,
    policies,
    readableNonTenantTables,
    role,
    relations: await probeRelations(driver, config, existing),
    routines: await probeRoutines(driver, config, existing),
    policyFunctions: await probePolicyFunctions(driver, config),
    appRoles: roles,
    eventTriggers: await probeEventTriggers(driver),
    tenantReferences: await probeTenantReferences(driver, config),
    searchPathDefaults: await probeSearchPathDefaults(driver, config),
    roleSchemas: await driver.query<{ schema: string; role: string }>(
      `select n.nspname as schema, r.rolname as role from pg_namespace n join pg_roles r on r.rolname = n.nspname
        where r.rolname = any ($1::text[]) and has_schema_privilege(r.oid, n.oid, 'USAGE') order by 1`,
      [appRoles(config)],
    ),
  };
}

/**
 * The default `search_path` settings a session of the app starts with (`ALTER DATABASE … SET`,
 * `ALTER ROLE … SET`, `ALTER ROLE … IN DATABASE … SET`): for this database or all, for every role,
 * an app role, or the role connected now (the app connects as the owner).
 */
async function probeSearchPathDefaults(driver: Driver, config: RlsConfig): Promise<SearchPathDefaultInfo[]> {
  const rows = await driver.query<{ database: string | null; role: string | null; value: string }>(
    `select d.datname as database, r.rolname as role, substr(c, length('search_path=') + 1) as value
       from pg_db_role_setting s
       left join pg_database d on d.oid = s.setdatabase
       left join pg_roles r on r.oid = s.setrole,
       unnest(s.setconfig) c
      where c like 'search\\_path=%'
        and (s.setdatabase = 0 or d.datname = current_database())
        and (s.setrole = 0 or r.rolname = any ($1::text[]) or r.rolname = session_user)
      order by 1, 2`,
    [appRoles(config)],
  );
  return rows.map((row) => ({ ...row, schemas: searchPathSchemas(row.value) }));
}

/**
 * Runs `fn` with `search_path` set to `pg_catalog` alone, then restores it. `pg_get_expr` (behind
 * `pg_policies`) leaves a function or operator unqualified when the session's `search_path` would
 * find that very one, so under `pg_catalog` alone only built-ins print bare: a
 * `public.current_setting(…)` overload or a `public.=` operator prints schema-qualified and cannot
 * pass for the built-in.
 */
async function withCatalogSearchPath<T>(driver: Driver, fn: () => Promise<T>): Promise<T> {
  const [saved] = await driver.query<{ path: string }>(`select current_setting('search_path') as path`);
  await driver.query(`select set_config('search_path', 'pg_catalog', false)`);
  try {
    return await fn();
  } finally {
    await driver.query(`select set_config('search_path', $1, false)`, [saved?.path ?? ""]);
  }
}

async function probeAppRoles(driver: Driver, config: RlsConfig): Promise<AppRoleInfo[]> {
  const roles: AppRoleInfo[] = [];
  for (const name of appRoles(config)) {
    const [row] = await driver.query<Omit<AppRoleInfo, "name" | "exists">>(
      `select r.rolsuper as superuser, r.rolbypassrls as "bypassRls",
              array(select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                     where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1)::text[] as "ownedTables",
              array(select o.rolname from pg_roles o
                     where o.oid <> r.oid and pg_has_role(r.oid, o.oid, 'MEMBER')
                       and (o.rolsuper or o.rolbypassrls or exists (select 1 from pg_class c where c.relowner = o.oid and c.relkind in ('r', 'p')))
                     order by 1)::text[] as escalations,
              array(select o.rolname from pg_roles o where o.oid <> r.oid and pg_has_role(r.oid, o.oid, 'MEMBER')
                     order by 1)::text[] as "memberOf",
              array(select n.nspname from pg_namespace n
                     where n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
                       and has_schema_privilege(r.oid, n.oid, 'CREATE')
                     order by 1)::text[] as "createSchemas",
              array(select pg_describe_object(d.classid, d.objid, d.objsubid) from pg_shdepend d
                     where d.refclassid = 'pg_authid'::regclass and d.refobjid = r.oid and d.deptype = 'o'
                       and d.classid <> 'pg_largeobject'::regclass
                       and (d.dbid = (select oid from pg_database where datname = current_database())
                            or d.classid = 'pg_database'::regclass and d.objid = (select oid from pg_database where datname = current_database()))
                       and not exists (select 1 from pg_class c where d.classid = 'pg_class'::regclass and c.oid = d.objid
                                        and c.relkind in ('r', 'p', 'v', 'm', 'f', 'i', 'I', 't'))
                     order by 1)::text[] as "ownedObjects",
              (select count(*)::int from pg_largeobject_metadata l
                where current_setting('lo_compat_privileges')::boolean
                   or pg_has_role(r.oid, l.lomowner, 'MEMBER')
                   or exists (select 1 from aclexplode(l.lomacl) g where g.grantee = 0 or pg_has_role(r.oid, g.grantee, 'MEMBER'))) as "largeObjects"
         from pg_roles r where r.rolname = $1`,
      [name],
    );
    roles.push(
      row
        ? { name, exists: true, ...row }
        : {
            name,
            exists: false,
            superuser: false,
            bypassRls: false,
            ownedTables: [],
            escalations: [],
            memberOf: [],
            createSchemas: [],
            ownedObjects: [],
            largeObjects: 0,
          },
    );
  }
  return roles;
}

/**
 * What is attached to relation `c` and can call a routine by OID when the relation is used (SQL):
 * each as the catalog and object pg_depend records its dependencies under, a description, and a
 * routine to leave out (a trigger's own function, which `definerTriggers` reports).
 */
const ATTACHED_CODE = `
  select 'pg_attrdef'::regclass as classid, ad.oid as objid, 'default of column ' || a.attname as via, 0::oid as skip
    from pg_attrdef ad join pg_attribute a on a.attrelid = ad.adrelid and a.attnum = ad.adnum where ad.adrelid = c.oid
  union all
  select 'pg_constraint'::regclass, co.oid, 'constraint ' || co.conname, 0::oid from pg_constraint co where co.conrelid = c.oid
  union all
  select 'pg_rewrite'::regclass, w.oid, case when w.rulename = '_RETURN' then 'view definition' else 'rule ' || w.rulename end, 0::oid
    from pg_rewrite w where w.ev_class = c.oid
  union all
  select 'pg_trigger'::regclass, tg.oid, 'trigger ' || tg.tgname, tg.tgfoid from pg_trigger tg where tg.tgrelid = c.oid and not tg.tgisinternal
  union all
  select 'pg_class'::regclass, ix.indexrelid, 'index ' || ix.indexrelid::regclass::text, 0::oid from pg_index ix where ix.indrelid = c.oid
  union all
  select 'pg_policy'::regclass, po.oid, 'policy ' || po.polname, 0::oid from pg_policy po where po.polrelid = c.oid`;

const RELKINDS: Record<string, string> = {
  r: "table",
  p: "partitioned table",
  v: "view",
  m: "materialized view",
  f: "foreign table",
  S: "sequence",
};

/** A trigger row of the relations query before its body is read. */
type ActionTriggerRow = Omit<ActionTriggerInfo, "uses" | "unread"> & {
  language: string;
  definition: string;
  builtIn: boolean;
};

/**
 * The foreign-key actions on relation `c` that fire trigger `tg` (SQL: rows of `action`): ON
 * DELETE CASCADE deletes rows of `c`, SET NULL and SET DEFAULT update them, and so does any ON
 * UPDATE action. A partition's copy of a key and of a trigger both cloned from the parent's is
 * left out (the parent's pair stands for it).
 */
const FIRING_ACTIONS = `
  select case fk.confdeltype when 'c' then 'ON DELETE CASCADE' when 'n' then 'ON DELETE SET NULL' else 'ON DELETE SET DEFAULT' end
           || ' of ' || fk.conname || ' (references ' || fk.confrelid::regclass::text || ')' as action
    from pg_constraint fk
   where fk.contype = 'f' and fk.conrelid = c.oid and not (tg.tgparentid <> 0 and fk.conparentid <> 0)
     and ((fk.confdeltype = 'c' and tg.tgtype & 8 <> 0) or (fk.confdeltype in ('n', 'd') and tg.tgtype & 16 <> 0))
  union all
  select case fk.confupdtype when 'c' then 'ON UPDATE CASCADE' when 'n' then 'ON UPDATE SET NULL' else 'ON UPDATE SET DEFAULT' end
           || ' of ' || fk.conname || ' (references ' || fk.confrelid::regclass::text || ')'
    from pg_constraint fk
   where fk.contype = 'f' and fk.conrelid = c.oid and not (tg.tgparentid <> 0 and fk.conparentid <> 0)
     and fk.confupdtype in ('c', 'n', 'd') and tg.tgtype & 16 <> 0`;

/**
 * PostgreSQL's built-in functions that run SQL text or read a whole table by name: a body that
 * calls one reads what that SQL reads.
 */
const SQL_RUNNING_BUILTINS = /^(query|table|cursor|schema|database)_to_xml/;

/**
 * What of a trigger body's names can reach another tenant's rows: every relation, every routine
 * the database defines (`projectRoutines`, extensions' included) or names in another schema, and
 * the built-ins that run SQL text. PostgreSQL's other built-ins (`now()`, `coalesce`) read no table.
 */
function reachingUses(definition: string, language: string, projectRoutines: ReadonlySet<string>) {
  const body = routineBodyUses(definition, language);
  const routines = body.routines.filter((name) => {
    const parts = name.split(".");
    const bare = parts.at(-1) ?? name;
    if (parts.length > 1 && parts[0] !== "pg_catalog") return true;
    return projectRoutines.has(bare) || SQL_RUNNING_BUILTINS.test(bare);
  });
  return { uses: [...body.relations, ...routines.map((r) => `${r}()`)], unread: body.unread ?? null };
}

async function probeRelations(driver: Driver, config: RlsConfig, roles: string[]): Promise<RelationInfo[]> {
  const settings = contextSettings(config);
  const rows = await driver.query<
    Omit<RelationInfo, "kind" | "access" | "actionTriggers"> & {
      relkind: string;
      oid: number;
      actionTriggers: ActionTriggerRow[];
    }
  >(
    `select c.oid::int as oid, ${displayName("c.relname")} as name, c.relkind::text as relkind,
            c.relrowsecurity as "rlsEnabled",
            ${hasTenantColumn("c.oid")} as "hasTenantColumn",
            coalesce(exists (select 1 from unnest(c.reloptions) o where o in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1')), false) as "securityInvoker",
            exists (select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                     where i.indrelid = c.oid and a.attname = $2) as "tenantIndex",
            array(select distinct ${displayName("t.relname", "tn")} from pg_rewrite w
                    join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid and d.refclassid = 'pg_class'::regclass
                    join pg_class t on t.oid = d.refobjid and t.oid <> c.oid
                    join pg_namespace tn on tn.oid = t.relnamespace
                   where w.ev_class = c.oid
                     and ${hasTenantColumn("t.oid")}
                   order by 1)::text[] as "readsTenantTables",
            array(select distinct ${displayName("t.relname", "tn")} from pg_rewrite w
                    join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid and d.refclassid = 'pg_class'::regclass
                    join pg_class t on t.oid = d.refobjid and t.oid <> c.oid
                    join pg_namespace tn on tn.oid = t.relnamespace
                   where w.ev_class = c.oid
                   order by 1)::text[] as "readsRelations",
            array(select w.rulename from pg_rewrite w where w.ev_class = c.oid and w.rulename <> '_RETURN'
                   order by 1)::text[] as rules,
            coalesce((select json_agg(json_build_object('name', tg.tgname, 'function', tp.oid::regprocedure::text,
                                                        'runsAs', ${runsAs("tp", "$3")})
                                      order by tg.tgname)
                        from pg_trigger tg join pg_proc tp on tp.oid = tg.tgfoid
                       where tg.tgrelid = c.oid and not tg.tgisinternal and ${runsAs("tp", "$3")} is not null), '[]') as "definerTriggers",
            coalesce((select json_agg(y order by y.via, y.function) from (
               select distinct x.via, fp.oid::regprocedure::text as function,
                      ${displayName("fp.proname", "fn")} as name, ${runsAs("fp", "$3")} as "runsAs",
                      ${runningSupport("fp", "$3")} as "supportFunction"
                 from (${ATTACHED_CODE}) x
                 join pg_depend d on d.classid = x.classid and d.objid = x.objid and d.refclassid = 'pg_proc'::regclass
                 join pg_proc fp on fp.oid = d.refobjid join pg_namespace fn on fn.oid = fp.pronamespace
                where d.refobjid <> x.skip and ${runsAs("fp", "$3")} is not null) y), '[]') as "definerDependencies",
            coalesce((select json_agg(json_build_object('name', tg.tgname, 'function', tp.oid::regprocedure::text,
                                                        'routine', ${displayName("tp.proname", "tn")},
                                                        'runsAs', ${runsAs("tp", "$3")}, 'actions', f.actions,
                                                        'language', tl.lanname, 'builtIn', tp.oid < ${FIRST_NORMAL_OID},
                                                        'definition', case when tp.oid < ${FIRST_NORMAL_OID} then '' else pg_get_functiondef(tp.oid) end)
                                      order by tg.tgname)
                        from pg_trigger tg join pg_proc tp on tp.oid = tg.tgfoid
                        join pg_namespace tn on tn.oid = tp.pronamespace join pg_language tl on tl.oid = tp.prolang,
                        lateral (select array_agg(a.action order by a.action) as actions from (${FIRING_ACTIONS}) a) f
                       where tg.tgrelid = c.oid and not tg.tgisinternal and f.actions is not null), '[]') as "actionTriggers",
            coalesce((with recursive below(oid) as (
                        select i.inhrelid from pg_inherits i where i.inhparent = c.oid
                        union select i.inhrelid from pg_inherits i join below b on i.inhparent = b.oid)
                      select json_agg(json_build_object('name', ${displayName("k.relname", "kn")}, 'rlsEnabled', k.relrowsecurity,
                                                        'hasTenantColumn', ${hasTenantColumn("k.oid")})
                                      order by k.relname)
                        from below b join pg_class k on k.oid = b.oid join pg_namespace kn on kn.oid = k.relnamespace), '[]') as descendants
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${projectObject("c.oid")} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      order by 2`,
    [config.schema, config.tenantColumn, settings],
  );
  const access = await driver.query<{ oid: number; role: string; privileges: string[] }>(
    `select c.oid::int as oid, r.rolname as role,
            array(select p from unnest(case when c.relkind = 'S' then $3::text[] else $1::text[] end) p
                   where case when c.relkind = 'S' then has_sequence_privilege(r.oid, c.oid, p)
                              when p in ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') then has_any_column_privilege(r.oid, c.oid, p)
                              else has_table_privilege(r.oid, c.oid, p) end)::text[] as privileges
       from pg_class c join pg_namespace n on n.oid = c.relnamespace, pg_roles r
      where ${projectObject("c.oid")} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
        and r.rolname = any ($2::text[])`,
    [[...TABLE_PRIVILEGES], roles, [...SEQUENCE_PRIVILEGES]],
  );
  const projectRoutines = rows.some((r) => r.actionTriggers.length > 0)
    ? new Set(
        (
          await driver.query<{ name: string }>(
            `select distinct p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where ${projectObject("p.oid")}`,
          )
        ).map((r) => r.name),
      )
    : new Set<string>();
  return rows.map(({ oid, relkind, actionTriggers, ...row }) => ({
    ...row,
    kind: RELKINDS[relkind] ?? relkind,
    access: Object.fromEntries(
      access.filter((a) => a.oid === oid && a.privileges.length > 0).map((a) => [a.role, a.privileges]),
    ),
    actionTriggers: actionTriggers.map(({ language, definition, builtIn, ...trigger }) => ({
      ...trigger,
      ...(builtIn ? { uses: [], unread: null } : reachingUses(definition, language, projectRoutines)),
    })),
  }));
}

/**
 * Every routine an app role can execute. For an aggregate whose support function runs as another
 * role or tenant, that function's definition stands for the aggregate's (see `RoutineInfo`).
 */
async function probeRoutines(driver: Driver, config: RlsConfig, roles: string[]): Promise<RoutineInfo[]> {
  const pinned = (p: string) =>
    `coalesce(exists (select 1 from unnest(${p}.proconfig) c where c like 'search\\_path=%'), false)`;
  return driver.query<RoutineInfo>(
    `select ${displayName("p.proname")} || '(' || pg_get_function_identity_arguments(p.oid) || ')' as signature,
            ${displayName("p.proname")} as name, p.prosecdef or coalesce(s.prosecdef, false) as "securityDefiner",
            coalesce(${roleSetting("p")}, ${roleSetting("s")}) as "setsRole",
            case when s.oid is null then ${pinned("p")} else ${pinned("s")} end as "pinnedSearchPath",
            (select e.extname from pg_depend d join pg_extension e on e.oid = d.refobjid
              where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.refclassid = 'pg_extension'::regclass and d.deptype = 'e') as extension,
            array(select r.rolname from pg_roles r
                   where r.rolname = any ($2::text[]) and has_function_privilege(r.oid, p.oid, 'EXECUTE')
                   order by 1)::text[] as "executableBy",
            s.oid::regprocedure::text as "supportFunction",
            coalesce(${settingSetting("p", "$3")}, ${settingSetting("s", "$3")}) as "setsSetting"
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       left join lateral (select s.* from ${supportFunctions("p")} and ${ownRunsAs("s", "$3")} is not null
                           order by s.oid::regprocedure::text limit 1) s on true
      where ${projectObject("p.oid")}
        and exists (select 1 from pg_roles r where r.rolname = any ($2::text[])
                     and has_function_privilege(r.oid, p.oid, 'EXECUTE'))
      order by 1`,
    [config.schema, roles, contextSettings(config)],
  );
}

/** The project's functions that policies call, with what a helper that reads a setting must be. */
async function probePolicyFunctions(driver: Driver, config: RlsConfig): Promise<PolicyFunctionInfo[]> {
  return driver.query<PolicyFunctionInfo>(
    `select n.nspname as schema, p.proname as name, p.pronargs::int as "argumentCount", l.lanname as language,
            p.prosrc as body, p.provolatile::text as volatility, tn.nspname || '.' || t.typname as "returnType",
            p.proretset as "returnsSet", coalesce(p.proconfig, '{}')::text[] as config,
            array(select r.rolname from pg_roles r
                   where r.rolname = any ($1::text[]) and (r.rolsuper or pg_has_role(r.oid, p.proowner, 'MEMBER'))
                   order by 1)::text[] as "changeableBy"
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
       join pg_type t on t.oid = p.prorettype join pg_namespace tn on tn.oid = t.typnamespace
      where ${projectObject("p.oid")}
        and exists (select 1 from pg_depend d where d.classid = 'pg_policy'::regclass
                     and d.refclassid = 'pg_proc'::regclass and d.refobjid = p.oid)
      order by 1, 2, 3`,
    [appRoles(config)],
  );
}

/** The names of constraint `co`'s columns `<key>` (`conkey`, `confkey`) of relation `<rel>`, in key order (SQL). */
const keyColumns = (key: string, rel: string) =>
  `array(select a.attname from unnest(co.${key}) with ordinality k(num, pos)
          join pg_attribute a on a.attrelid = co.${rel} and a.attnum = k.num order by k.pos)::text[]`;

/**
 * Foreign keys between two tables with the tenant column, outside the system schemas; a
 * partition's copy of its parent's key is left out (the parent's stands for it).
 */
async function probeTenantReferences(driver: Driver, config: RlsConfig): Promise<TenantReferenceInfo[]> {
  return driver.query<TenantReferenceInfo>(
    `select ${displayName("c.relname")} as "table", co.conname as "constraint", ${displayName("f.relname", "fn")} as "references",
            ${keyColumns("conkey", "conrelid")} as columns, ${keyColumns("confkey", "confrelid")} as "referencedColumns",
            case co.confdeltype when 'a' then 'no action' when 'r' then 'restrict' when 'c' then 'cascade'
                                when 'n' then 'set null' else 'set default' end as "onDelete",
            exists (select 1 from unnest(co.conkey, co.confkey) k(num, fnum)
                      join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.num
                      join pg_attribute fa on fa.attrelid = co.confrelid and fa.attnum = k.fnum
                     where a.attname = $2 and fa.attname = $2) as "tenantPaired"
       from pg_constraint co
       join pg_class c on c.oid = co.conrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class f on f.oid = co.confrelid join pg_namespace fn on fn.oid = f.relnamespace
      where co.contype = 'f' and co.conparentid = 0 and ${projectObject("c.oid")}
        and ${hasTenantColumn("c.oid")} and ${hasTenantColumn("f.oid")}
      order by 1, 2`,
    [config.schema, config.tenantColumn],
  );
}

/**
 * Enabled event triggers other than an extension's. An app role fires them: it may create a TEMP
 * table (the database's TEMP privilege is PUBLIC's), and the trigger function then runs, as its
 * owner if it is SECURITY DEFINER.
 */
async function probeEventTriggers(driver: Driver): Promise<EventTriggerInfo[]> {
  return driver.query<EventTriggerInfo>(
    `select e.evtname as name, e.evtevent as event, p.oid::regprocedure::text as function, ${runsAs("p", "'{}'::text[]")} as "runsAs"
       from pg_event_trigger e join pg_proc p on p.oid = e.evtfoid
      where e.evtenabled <> 'D'
        and not exists (select 1 from pg_depend d where d.classid = 'pg_event_trigger'::regclass and d.objid = e.oid
                         and d.refclassid = 'pg_extension'::regclass and d.deptype = 'e')
      order by 1`,
  );
}
