/**
 * Weakenings of Trovella's isolation, each the kind of change a migration, a hurried fix or a
 * hostile insider could make. `pnpm test:rls-mutations` applies each one alone to a fresh
 * migrated and seeded database, then runs `db:rls` and the isolation probe: a mutation is
 * killed when either fails. Every one must be killed; one that survives is a hole in the net.
 *
 * Database-level only: role attributes and memberships (BYPASSRLS, GRANT owner TO authenticated,
 * a policy for a group role granted to authenticated) are cluster-wide and would reach every other
 * database on the server while the run lasts; `db:rls` checks those from the catalog
 * (role-bypasses-rls, role-escalation, policies for roles the app role belongs to), and
 * `coverage-matrix.test.ts` and `rls-hidden-paths.db.test.ts` (inside a rolled-back transaction) prove it.
 * An event trigger, a function or view in `pg_catalog` or `information_schema`, and a routine
 * defined with `SET app.tenant_id` (PostgreSQL lets only a superuser, or a role granted SET on
 * the parameter, attach a custom setting to a routine) need a superuser to create, and the run
 * applies mutations as the non-superuser owner in CI: `rls-hidden-paths.db.test.ts` and
 * `rls-owner-paths.db.test.ts` prove those findings. So does
 * `rls-search-path.db.test.ts` for a role's default `search_path` (roles are cluster-wide).
 */

export interface RlsMutation {
  id: string;
  /** What it weakens, in words. */
  description: string;
  /** The SQL that applies it (several statements allowed). */
  sql: string;
}

const TENANT = `(SELECT current_setting('app.tenant_id', true))`;

/**
 * What makes `table` a well-guarded tenant table, as SQL: an index on organization_id, RLS on, the
 * four tenant policies for `authenticated`, and its grants. A weakening then lies elsewhere.
 */
export function tenantTableGuards(table: string): string {
  const scoped = `(organization_id = ${TENANT})`;
  return `CREATE INDEX ${table}_organization_id_idx ON ${table} (organization_id);
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY ${table}_select ON ${table} FOR SELECT TO authenticated USING ${scoped};
    CREATE POLICY ${table}_insert ON ${table} FOR INSERT TO authenticated WITH CHECK ${scoped};
    CREATE POLICY ${table}_update ON ${table} FOR UPDATE TO authenticated USING ${scoped} WITH CHECK ${scoped};
    CREATE POLICY ${table}_delete ON ${table} FOR DELETE TO authenticated USING ${scoped};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO authenticated;`;
}

export const RLS_MUTATIONS: readonly RlsMutation[] = [
  {
    id: "drop-policy",
    description: "a tenant table loses its SELECT policy",
    sql: `DROP POLICY research_plan_select ON research_plan`,
  },
  {
    id: "using-true",
    description: "a SELECT policy becomes USING (true)",
    sql: `ALTER POLICY ai_usage_select ON ai_usage USING (true)`,
  },
  {
    id: "or-true",
    description: "a SELECT policy keeps its tenant comparison but ORs true around it",
    sql: `ALTER POLICY member_select ON member USING (organization_id = ${TENANT} OR true)`,
  },
  {
    id: "extra-permissive-policy",
    description: "a second permissive SELECT policy that lets every row through",
    sql: `CREATE POLICY research_artifact_everyone ON research_artifact FOR SELECT TO authenticated USING (true)`,
  },
  {
    id: "update-without-with-check",
    description: "an UPDATE policy without WITH CHECK",
    sql: `DROP POLICY plan_step_update ON plan_step;
          CREATE POLICY plan_step_update ON plan_step FOR UPDATE TO authenticated USING (organization_id = ${TENANT})`,
  },
  {
    id: "insert-with-check-true",
    description: "an INSERT policy whose WITH CHECK is true (a tenant writes rows for any organization)",
    sql: `ALTER POLICY invitation_insert ON invitation WITH CHECK (true)`,
  },
  {
    id: "policy-to-public",
    description: "a policy granted TO public instead of the tenant role",
    sql: `ALTER POLICY skill_execution_select ON skill_execution TO public`,
  },
  {
    id: "wrong-setting",
    description: "the tenant comparison reads the user setting",
    sql: `ALTER POLICY research_output_select ON research_output USING (organization_id = (SELECT current_setting('app.user_id', true)))`,
  },
  {
    id: "rls-disabled",
    description: "RLS disabled on a tenant table",
    sql: `ALTER TABLE document_chunk DISABLE ROW LEVEL SECURITY`,
  },
  {
    id: "credential-grant",
    description: "a grant on a credential table (Better Auth's password hashes)",
    sql: `GRANT SELECT ON account TO authenticated`,
  },
  {
    id: "credential-column-grant",
    description: "a column-level grant on a credential table",
    sql: `GRANT SELECT (user_id, password) ON account TO authenticated`,
  },
  {
    id: "new-table-without-rls",
    description: "a new global table without RLS (granted by 0001's default privileges)",
    sql: `CREATE TABLE export_log (id text PRIMARY KEY, organization_name text NOT NULL);
          INSERT INTO export_log SELECT 'x_' || id, name FROM organization`,
  },
  {
    id: "view-without-security-invoker",
    description: "a view over a tenant table without security_invoker",
    sql: `CREATE VIEW usage_report AS SELECT organization_id, model_id, created_at FROM ai_usage`,
  },
  {
    id: "materialized-view",
    description: "a materialized view over a tenant table, granted by default privileges",
    sql: `CREATE MATERIALIZED VIEW usage_by_org AS SELECT organization_id, count(*) AS calls FROM ai_usage GROUP BY 1`,
  },
  {
    id: "security-definer-function",
    description: "a SECURITY DEFINER function (search_path pinned) that reads a tenant table",
    sql: `CREATE FUNCTION usage_calls() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = public
            AS 'SELECT count(*) FROM ai_usage'`,
  },
  {
    id: "security-definer-unpinned",
    description: "a SECURITY DEFINER function without a pinned search_path",
    sql: `CREATE FUNCTION plan_titles() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS 'SELECT title FROM research_plan'`,
  },
  {
    id: "grant-to-anonymous",
    description: "a grant to anonymous on a tenant table",
    sql: `GRANT SELECT ON research_plan TO anonymous`,
  },
  {
    id: "truncate-grant",
    description: "TRUNCATE granted on a tenant table (TRUNCATE ignores RLS)",
    sql: `GRANT TRUNCATE ON research_plan TO authenticated`,
  },
  {
    id: "shared-table-writable",
    description: "the shared price table made writable",
    sql: `GRANT INSERT, UPDATE ON ai_model_pricing TO authenticated`,
  },
  {
    id: "user-scoped-using-true",
    description: "the personal access token SELECT policy becomes USING (true)",
    sql: `ALTER POLICY personal_access_token_select ON personal_access_token USING (true)`,
  },
  {
    id: "identity-table-open",
    description: "the user table's policy lets every user through",
    sql: `ALTER POLICY user_select ON "user" USING (true)`,
  },
  {
    id: "tenant-table-other-schema",
    description: "a copy of a tenant table in another schema, granted to the tenant role",
    sql: `CREATE SCHEMA archive;
          GRANT USAGE ON SCHEMA archive TO authenticated;
          CREATE TABLE archive.research_plan_2023 AS SELECT * FROM research_plan;
          GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA archive TO authenticated`,
  },
  {
    id: "exists-uncorrelated",
    description: "the user policy's EXISTS no longer tied to the user row (any member sees every user)",
    sql: `ALTER POLICY user_select ON "user" USING (EXISTS (SELECT 1 FROM member m
            WHERE m.organization_id = (SELECT current_setting('app.tenant_id', true))))`,
  },
  {
    id: "shadow-current-setting",
    description: "a public.current_setting overload that falls back to the row's own organization",
    sql: `CREATE FUNCTION public.current_setting(name text, missing_ok boolean, fallback text) RETURNS text
            LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(pg_catalog.current_setting(name, missing_ok), ''), fallback) $$;
          ALTER POLICY research_plan_select ON research_plan
            USING (organization_id = (SELECT public.current_setting('app.tenant_id', true, organization_id)))`,
  },
  {
    id: "rule-on-tenant-table",
    description: "a rule on a tenant table whose action writes another tenant table as the owner",
    sql: `CREATE RULE research_feedback_flag_plan AS ON INSERT TO research_feedback
            DO ALSO UPDATE research_plan SET summary = 'feedback: ' || NEW.comment WHERE id = NEW.plan_id`,
  },
  {
    id: "security-definer-trigger",
    description: "a SECURITY DEFINER trigger function (EXECUTE revoked, search_path pinned) reading a tenant table",
    sql: `CREATE FUNCTION feedback_fill_comment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog, public AS $$
          BEGIN
            NEW.comment := (SELECT title FROM research_plan WHERE id = NEW.plan_id);
            RETURN NEW;
          END $$;
          REVOKE EXECUTE ON FUNCTION feedback_fill_comment() FROM PUBLIC;
          CREATE TRIGGER research_feedback_fill BEFORE INSERT ON research_feedback
            FOR EACH ROW EXECUTE FUNCTION feedback_fill_comment()`,
  },
  {
    id: "sequence-update-grant",
    description: "UPDATE (setval) on a sequence every tenant draws ids from",
    sql: `CREATE TABLE invoice_counter (id bigserial PRIMARY KEY, organization_id text NOT NULL REFERENCES organization (id), amount int);
          ALTER TABLE invoice_counter ENABLE ROW LEVEL SECURITY;
          CREATE POLICY invoice_counter_all ON invoice_counter TO authenticated
            USING (organization_id = ${TENANT}) WITH CHECK (organization_id = ${TENANT});
          CREATE INDEX invoice_counter_organization_id_idx ON invoice_counter (organization_id);
          GRANT UPDATE ON SEQUENCE invoice_counter_id_seq TO authenticated`,
  },
  {
    id: "set-role-trigger",
    description: "a SECURITY INVOKER trigger function defined with SET role = the owner, rewriting every plan",
    // The owner's name differs between runs (trovella, trovella_owner): read it when applying.
    sql: `DO $do$ BEGIN
            EXECUTE format($f$CREATE FUNCTION research_feedback_touch() RETURNS trigger LANGUAGE plpgsql
              SECURITY INVOKER SET role = %I AS $b$
            BEGIN
              UPDATE research_plan SET title = title || ' [touched]';
              RETURN NEW;
            END $b$$f$, current_user);
          END $do$;
          CREATE TRIGGER research_feedback_touch AFTER INSERT ON research_feedback
            FOR EACH ROW EXECUTE FUNCTION research_feedback_touch()`,
  },
  {
    id: "exists-aggregate",
    description: "the user policy's EXISTS over count(*), which returns a row whatever matches",
    sql: `ALTER POLICY user_select ON "user" USING (id = (SELECT current_setting('app.user_id', true))
            OR EXISTS (SELECT count(*) FROM member WHERE member.user_id = "user".id AND member.organization_id = ${TENANT}))`,
  },
  {
    id: "exists-made-up-from",
    description: "the user policy's EXISTS over a sub-select that makes up a matching row for every user",
    sql: `ALTER POLICY user_select ON "user" USING (id = (SELECT current_setting('app.user_id', true))
            OR EXISTS (SELECT 1 FROM (SELECT "user".id AS user_id, current_setting('app.tenant_id', true) AS organization_id) m
                        WHERE m.user_id = "user".id AND m.organization_id = ${TENANT}))`,
  },
  {
    id: "truncating-cast",
    description: "the tenant comparison made on varchar(4) casts (every org_… matches)",
    sql: `ALTER POLICY research_plan_select ON research_plan
            USING ((organization_id)::varchar(4) = ${TENANT}::varchar(4))`,
  },
  {
    id: "definer-default-hidden-schema",
    description: "a column default calling a SECURITY DEFINER function in a schema the app roles cannot use",
    sql: `CREATE SCHEMA internal;
          CREATE FUNCTION internal.latest_titles() RETURNS text LANGUAGE sql SECURITY DEFINER
            SET search_path = pg_catalog, public
            AS $$ SELECT string_agg(organization_id || ':' || title, ',') FROM public.research_plan $$;
          ALTER TABLE research_feedback ALTER COLUMN comment SET DEFAULT internal.latest_titles()`,
  },
  {
    id: "sequence-hidden-schema",
    description: "UPDATE on a sequence in a schema without USAGE (setval by OID)",
    sql: `CREATE SCHEMA internal;
          CREATE SEQUENCE internal.invoice_number;
          GRANT USAGE, UPDATE ON SEQUENCE internal.invoice_number TO authenticated`,
  },
  {
    id: "schema-create",
    description: "CREATE on the public schema for the tenant role",
    sql: `GRANT CREATE ON SCHEMA public TO authenticated`,
  },
  {
    id: "hidden-schema-copy-via-view",
    description: "a copy of research_plan in a schema without USAGE, granted, read through an invoker view",
    sql: `CREATE SCHEMA reporting;
          CREATE TABLE reporting.plan_copy AS SELECT id, organization_id, title FROM public.research_plan;
          GRANT SELECT ON reporting.plan_copy TO authenticated;
          CREATE VIEW public.plan_report WITH (security_invoker = true) AS SELECT * FROM reporting.plan_copy;
          GRANT SELECT ON public.plan_report TO authenticated`,
  },
  {
    id: "tenant-table-inherits-shared",
    description: "a tenant table inheriting from ai_model: reading ai_model shows every organization's rows",
    sql: `CREATE TABLE org_ai_model (organization_id text NOT NULL) INHERITS (ai_model);
          ${tenantTableGuards("org_ai_model")}`,
  },
  {
    id: "membership-writable",
    description: "member writable for the tenant again: a member row for any user shows that user's profile",
    sql: `GRANT INSERT ON member TO authenticated;
          CREATE POLICY member_insert ON member FOR INSERT TO authenticated WITH CHECK (organization_id = ${TENANT})`,
  },
  {
    id: "tenant-column-case-blind",
    description: "a new tenant table whose organization_id has a case-blind nondeterministic collation",
    sql: `CREATE COLLATION tenant_case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
          CREATE TABLE research_note (id text PRIMARY KEY, organization_id text COLLATE tenant_case_blind NOT NULL, body text);
          ${tenantTableGuards("research_note")}`,
  },
  {
    id: "cross-tenant-key",
    description:
      "plan_step's key to research_plan by id alone again: a tenant's step can point at another tenant's plan",
    sql: `ALTER TABLE plan_step DROP CONSTRAINT plan_step_plan_id_tenant_fk,
            ADD CONSTRAINT plan_step_plan_id_fk FOREIGN KEY (plan_id) REFERENCES research_plan (id) ON DELETE CASCADE`,
  },
  {
    id: "fk-action-trigger",
    description:
      "a SECURITY INVOKER trigger on plan_step reading every plan: the cascade of a tenant's plan delete runs it as the owner",
    sql: `CREATE TABLE step_tombstone (id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
            organization_id text NOT NULL REFERENCES organization (id) ON DELETE CASCADE, summary text);
          ${tenantTableGuards("step_tombstone")}
          CREATE FUNCTION step_tombstone_write() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            INSERT INTO step_tombstone (organization_id, summary)
              VALUES (OLD.organization_id, (SELECT string_agg(organization_id || '/' || title, '; ') FROM research_plan));
            RETURN OLD;
          END $$;
          CREATE TRIGGER step_tombstone BEFORE DELETE ON plan_step FOR EACH ROW EXECUTE FUNCTION step_tombstone_write()`,
  },
  {
    id: "shared-name-view",
    description: "ai_model_pricing becomes a view under its shared name that joins every tenant's ai_usage",
    sql: `ALTER TABLE ai_model_pricing RENAME TO ai_model_pricing_list;
          REVOKE ALL ON ai_model_pricing_list FROM authenticated, anonymous;
          CREATE VIEW ai_model_pricing AS
            SELECT p.*, u.organization_id AS used_by, u.cost_usd AS last_cost
              FROM ai_model_pricing_list p LEFT JOIN ai_usage u ON u.model_id = p.model_id;
          REVOKE ALL ON ai_model_pricing FROM authenticated, anonymous;
          GRANT SELECT ON ai_model_pricing TO authenticated`,
  },
  {
    id: "role-named-schema",
    description: `a schema named authenticated ("$user" finds it first) with a view that shadows member`,
    sql: `CREATE SCHEMA authenticated;
          GRANT USAGE ON SCHEMA authenticated TO authenticated;
          CREATE VIEW authenticated.member WITH (security_invoker = true) AS
            SELECT 'x'::text AS id, (SELECT current_setting('app.tenant_id', true)) AS organization_id,
                   (SELECT current_setting('app.user_id', true)) AS user_id, 'owner'::text AS role, now() AS created_at;
          GRANT SELECT ON authenticated.member TO authenticated`,
  },
  {
    id: "database-search-path",
    description: "the database's default search_path puts a schema with a view that shadows member before public",
    sql: `CREATE SCHEMA api;
          GRANT USAGE ON SCHEMA api TO authenticated;
          CREATE VIEW api.member WITH (security_invoker = true) AS
            SELECT 'x'::text AS id, (SELECT current_setting('app.tenant_id', true)) AS organization_id,
                   (SELECT current_setting('app.user_id', true)) AS user_id, 'owner'::text AS role, now() AS created_at;
          GRANT SELECT ON api.member TO authenticated;
          DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = api, public', current_database()); END $$`,
  },
  {
    id: "definer-aggregate",
    description: "an aggregate whose state function is SECURITY DEFINER with EXECUTE revoked (it runs for any caller)",
    sql: `CREATE FUNCTION plan_titles_step(acc text, org text) RETURNS text LANGUAGE sql SECURITY DEFINER
            SET search_path = pg_catalog, public
            AS $$ SELECT coalesce(acc || ' | ', '') || (SELECT string_agg(title, ', ') FROM public.research_plan WHERE organization_id = org) $$;
          REVOKE EXECUTE ON FUNCTION plan_titles_step(text, text) FROM PUBLIC;
          CREATE AGGREGATE plan_titles(text) (SFUNC = plan_titles_step, STYPE = text)`,
  },
  {
    id: "partition-definer-trigger",
    description:
      "a SECURITY DEFINER trigger on a partition the app roles cannot reach, which rows reach through its parent",
    sql: `CREATE TABLE plan_note (id text NOT NULL, organization_id text NOT NULL, body text,
            PRIMARY KEY (organization_id, id)) PARTITION BY LIST (organization_id);
          ${tenantTableGuards("plan_note")}
          CREATE SCHEMA archive;
          CREATE TABLE archive.plan_note_all PARTITION OF plan_note DEFAULT;
          REVOKE ALL ON archive.plan_note_all FROM authenticated, anonymous;
          CREATE FUNCTION archive.note_enrich() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog, public AS $$
          BEGIN NEW.body := (SELECT string_agg(organization_id || ': ' || title, '; ') FROM public.research_plan); RETURN NEW; END $$;
          REVOKE EXECUTE ON FUNCTION archive.note_enrich() FROM PUBLIC;
          CREATE TRIGGER note_enrich BEFORE INSERT ON archive.plan_note_all FOR EACH ROW EXECUTE FUNCTION archive.note_enrich()`,
  },
  {
    id: "app-role-owns-type",
    description: "the tenant role owns an enum a tenant table uses (a tenant can DROP TYPE … CASCADE)",
    // A new owner needs CREATE on the type's schema (the owner has none to give on public, as
    // PostgreSQL 15 installs it): a schema of its own, the right taken back once it owns the type.
    sql: `CREATE SCHEMA moods;
          GRANT USAGE, CREATE ON SCHEMA moods TO authenticated;
          CREATE TYPE moods.plan_mood AS ENUM ('calm', 'urgent');
          ALTER TABLE research_plan ADD COLUMN mood moods.plan_mood;
          ALTER TYPE moods.plan_mood OWNER TO authenticated;
          REVOKE CREATE ON SCHEMA moods FROM authenticated`,
  },
];
