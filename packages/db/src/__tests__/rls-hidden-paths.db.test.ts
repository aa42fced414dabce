/**
 * Ways around the tenant policies that `db:rls` once passed with exit 0 (a hostile review found
 * each on PostgreSQL 15): each hole is opened in a transaction on a migrated database, shown to
 * leak where that is cheap to show, judged by `db:rls`'s report, and rolled back. Roles created
 * here live only in that transaction, so no other test on the shared server ever sees them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, type CoverageReport } from "@repo/migrator";
import { RLS_CONFIG } from "../project.ts";
import { ownerIsSuperuser, queryAsTenant, TWO_TENANTS, withHole } from "../testing/rls-helpers.ts";
import { tenantTableGuards } from "../testing/rls-mutations.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
/** A suffix no other test run uses (roles are cluster-wide on the server). */
const RUN = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.driver.exec(TWO_TENANTS);
});
afterAll(async () => {
  await t?.close();
});

/** Runs `sql` as the tenant role for org_own / user_own inside the open transaction; returns its rows. */
const asTenant = <Row>(sql: string): Promise<Row[]> => queryAsTenant<Row>(t.driver, sql);

const findingsOn = (report: CoverageReport, name: string) =>
  report.matrix.findings.filter((f) => f.table === name).map((f) => `${f.code}${f.command ? ` ${f.command}` : ""}`);

describe("a table with the tenant column outside the configured schema", () => {
  const hole = `
    create schema archive;
    grant usage on schema archive to authenticated;
    create table archive.research_plan_2023 as select * from public.research_plan;
    grant select, insert, update, delete on all tables in schema archive to authenticated;
  `;

  it("leaks every organization's rows and is held to the tenant-table checks", async () => {
    await withHole(t.driver, hole, async () => {
      const [seen] = await asTenant<{ orgs: number }>(
        "select count(distinct organization_id)::int as orgs from archive.research_plan_2023",
      );
      expect(seen?.orgs).toBe(2);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.ok).toBe(false);
      expect(findingsOn(report, "archive.research_plan_2023")).toEqual([
        "rls-disabled",
        "missing-policy select",
        "missing-policy insert",
        "missing-policy update",
        "missing-policy delete",
      ]);
      expect(report.matrix.rows.map((r) => r.table)).toContain("archive.research_plan_2023");
      const rlsFix = report.matrix.findings.find((f) => f.table === "archive.research_plan_2023")?.fix;
      expect(rlsFix).toContain(`ALTER TABLE "archive"."research_plan_2023" ENABLE ROW LEVEL SECURITY`);
    });
  });

  it("is not judged while no app role can reach it", async () => {
    await withHole(
      t.driver,
      `create schema archive; create table archive.old_plans as select * from public.research_plan;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(report.matrix.findings).toEqual([]);
        expect(report.matrix.objects.find((o) => o.name === "archive.old_plans")?.class).toBe("unreachable");
      },
    );
  });
});

describe("a policy for a role the tenant role is a member of", () => {
  const group = `rls_group_${RUN}`;
  const inner = `rls_inner_${RUN}`;

  it("leaks, and is judged like a policy for the tenant role itself", async () => {
    const hole = `
      create role ${group} nologin;
      grant ${group} to authenticated;
      create policy research_plan_support on research_plan for select to ${group} using (true);
    `;
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>("select id from research_plan order by id");
      expect(seen.map((r) => r.id)).toEqual(["plan_other", "plan_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_plan")).toEqual(["unscoped-policy"]);
      const finding = report.matrix.findings.find((f) => f.policy === "research_plan_support");
      expect(finding?.message).toContain(`TO ${group}, of which authenticated is a member`);
      expect(report.matrix.rows.find((r) => r.table === "research_plan")?.commands.select).toEqual([
        "research_plan_select",
        "research_plan_support",
      ]);
    });
  });

  it("counts indirect membership too", async () => {
    const hole = `
      create role ${group} nologin;
      create role ${inner} nologin;
      grant ${group} to authenticated;
      grant ${inner} to ${group};
      create policy research_plan_support on research_plan for select to ${inner} using (true);
    `;
    await withHole(t.driver, hole, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_plan")).toEqual(["unscoped-policy"]);
    });
  });
});

describe("a user-scoped policy whose EXISTS is not tied to the row", () => {
  const hole = `
    create table org_billing (id text primary key, org_id text not null, card_last4 text);
    alter table org_billing enable row level security;
    create policy org_billing_select on org_billing for select to authenticated
      using (exists (select 1 from member m
                      where m.user_id = (select current_setting('app.user_id', true)) and m.role = 'owner'));
    insert into org_billing values ('b_own', 'org_own', '1111'), ('b_other', 'org_other', '4242');
  `;

  it("leaks every organization's rows to an owner of any, and is an unscoped policy", async () => {
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>("select id from org_billing order by id");
      expect(seen.map((r) => r.id)).toEqual(["b_other", "b_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "org_billing")).toEqual(["unscoped-policy"]);
      expect(report.matrix.findings.find((f) => f.table === "org_billing")?.fix).toContain(
        "an EXISTS must also equate",
      );
    });
  });

  it("passes once the EXISTS is tied to the row", async () => {
    const tied = hole.replace("m.role = 'owner'", "m.role = 'owner' and m.organization_id = org_billing.org_id");
    await withHole(t.driver, tied, async () => {
      const seen = await asTenant<{ id: string }>("select id from org_billing order by id");
      expect(seen.map((r) => r.id)).toEqual(["b_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
      expect(report.matrix.objects.find((o) => o.name === "org_billing")?.class).toBe("user-scoped");
    });
  });
});

/** A user who is a member of org_other only: org_own's members must not see them. */
const OTHER_USER = `
  insert into "user" (id, name, email) values ('user_other', 'other', 'other@example.com');
  insert into member (id, organization_id, user_id, role) values ('member_other', 'org_other', 'user_other', 'owner');
`;

/** The user policy with its EXISTS (migration 0010's) replaced by `exists`. */
const userPolicy = (exists: string) => `
  alter policy user_select on "user" using (
    id = (select current_setting('app.user_id', true)) or exists (${exists}));
`;

describe("an EXISTS that is not a plain SELECT", () => {
  const tied = `member.user_id = "user".id and member.organization_id = (select current_setting('app.tenant_id', true))`;

  it.each([
    ["an aggregate", `select count(*) from member where ${tied}`],
    ["HAVING", `select 1 from member where ${tied} having true`],
  ])("with %s is true for every row: every user is visible, and the policy is unscoped", async (_, exists) => {
    await withHole(t.driver, `${OTHER_USER} ${userPolicy(exists)}`, async () => {
      const seen = await asTenant<{ id: string }>(`select id from "user" order by id`);
      expect(seen.map((r) => r.id)).toEqual(["user_other", "user_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "user")).toEqual(["unscoped-policy"]);
    });
  });

  it("passes as migration 0010 writes it", async () => {
    await withHole(t.driver, `${OTHER_USER} ${userPolicy(`select 1 from member where ${tied}`)}`, async () => {
      const seen = await asTenant<{ id: string }>(`select id from "user" order by id`);
      expect(seen.map((r) => r.id)).toEqual(["user_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
    });
  });
});

describe("an EXISTS that does not read one real table", () => {
  const setting = `(select current_setting('app.tenant_id', true))`;

  it.each([
    [
      "a sub-select in FROM",
      `select 1 from (select "user".id as user_id, current_setting('app.tenant_id', true) as organization_id) m
        where m.user_id = "user".id and m.organization_id = ${setting}`,
    ],
    [
      "a table named like the policy's",
      `select 1 from member m, member "user" where m.organization_id = ${setting} and m.user_id = "user".user_id`,
    ],
  ])("with %s matches every row: every user is visible, and the policy is unscoped", async (_, exists) => {
    await withHole(t.driver, `${OTHER_USER} ${userPolicy(exists)}`, async () => {
      const seen = await asTenant<{ id: string }>(`select id from "user" order by id`);
      expect(seen.map((r) => r.id)).toEqual(["user_other", "user_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "user")).toEqual(["unscoped-policy"]);
    });
  });

  it("a view in FROM makes up rows too", async () => {
    const hole = `
      create view member_view with (security_invoker = true) as
        select u as user_id, current_setting('app.tenant_id', true) as organization_id
          from unnest(array['user_own', 'user_other']) u;
      ${OTHER_USER}
      ${userPolicy(`select 1 from member_view m where m.user_id = "user".id and m.organization_id = ${setting}`)}
    `;
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>(`select id from "user" order by id`);
      expect(seen.map((r) => r.id)).toEqual(["user_other", "user_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "user")).toEqual(["unscoped-policy"]);
    });
  });
});

describe("a tenant comparison of cut values", () => {
  it("matches every organization whose id starts alike, and is an unscoped policy", async () => {
    const hole = `
      alter policy research_plan_select on research_plan using (
        (organization_id)::varchar(4) = (select current_setting('app.tenant_id', true))::varchar(4));
    `;
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>("select id from research_plan order by id");
      expect(seen.map((r) => r.id)).toEqual(["plan_other", "plan_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_plan")).toEqual(["unscoped-policy"]);
    });
  });

  it("passes through a cast to text", async () => {
    const hole = `
      alter policy research_plan_select on research_plan using (
        (organization_id)::text = (select current_setting('app.tenant_id', true))::text);
    `;
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>("select id from research_plan order by id");
      expect(seen.map((r) => r.id)).toEqual(["plan_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
    });
  });
});

describe("a function of another schema named current_setting", () => {
  const hole = `
    create function public.current_setting(name text, missing_ok boolean, fallback text) returns text
      language sql stable as $$ select coalesce(nullif(pg_catalog.current_setting(name, missing_ok), ''), fallback) $$;
    alter policy research_plan_select on research_plan
      using (organization_id = (select public.current_setting('app.tenant_id', true, organization_id)));
  `;

  it("shows every row when no tenant is set, and does not pass for the built-in", async () => {
    await withHole(t.driver, hole, async () => {
      await t.driver.exec(
        `savepoint no_tenant; select set_config('app.tenant_id', '', true), set_config('role', 'authenticated', true)`,
      );
      const seen = await t.driver.query<{ id: string }>("select id from research_plan order by id");
      await t.driver.exec("rollback to savepoint no_tenant; reset role");
      expect(seen.map((r) => r.id)).toEqual(["plan_other", "plan_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_plan")).toEqual(["unscoped-policy"]);
      expect(report.matrix.findings[0]?.message).toContain("public.current_setting(");
    });
  });

  it("is told from the built-in even when the session's search_path finds it first", async () => {
    await withHole(
      t.driver,
      `create schema shadow;
       create function shadow.current_setting(n text, ok boolean) returns text language sql stable as $$ select 'org_other' $$;
       alter policy research_plan_select on research_plan
         using (organization_id = (select shadow.current_setting('app.tenant_id', true)));
       set local search_path = shadow, pg_catalog, public;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "research_plan")).toEqual(["unscoped-policy"]);
        expect(report.matrix.findings[0]?.message).toContain("shadow.current_setting(");
        const [path] = await t.driver.query<{ path: string }>("select current_setting('search_path') as path");
        expect(path?.path).toBe("shadow, pg_catalog, public");
      },
    );
  });
});

describe("code that runs as the owner when a tenant writes", () => {
  it("a rule on a table the tenant writes rewrites another organization's row, and is a finding", async () => {
    const hole = `
      create rule research_feedback_flag_plan as on insert to research_feedback
        do also update research_plan set summary = 'feedback from ' || new.organization_id where id = new.comment;
    `;
    await withHole(t.driver, hole, async () => {
      await t.driver
        .exec(`savepoint rule_write; select set_config('app.tenant_id', 'org_own', true), set_config('role', 'authenticated', true);
        insert into research_feedback (id, organization_id, plan_id, rating, comment) values ('fb_x', 'org_own', 'plan_own', 1, 'plan_other');
        reset role; release savepoint rule_write`);
      const [other] = await t.driver.query<{ summary: string }>(
        "select summary from research_plan where id = 'plan_other'",
      );
      expect(other?.summary).toBe("feedback from org_own");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_feedback")).toEqual(["relation-rule"]);
      expect(report.matrix.findings[0]?.fix).toContain(
        `DROP RULE "research_feedback_flag_plan" ON "research_feedback"`,
      );
    });
  });

  it("a SECURITY DEFINER trigger function, EXECUTE revoked and search_path pinned, reads another organization's row", async () => {
    const hole = `
      create function public.feedback_fill_comment() returns trigger language plpgsql security definer
        set search_path = pg_catalog, public as $$
      begin
        new.comment := (select title from research_plan where id = new.comment);
        return new;
      end $$;
      revoke execute on function public.feedback_fill_comment() from public;
      create trigger research_feedback_fill before insert on research_feedback
        for each row execute function public.feedback_fill_comment();
    `;
    await withHole(t.driver, hole, async () => {
      const [row] = await asTenant<{ comment: string }>(
        `insert into research_feedback (id, organization_id, plan_id, rating, comment)
         values ('fb_y', 'org_own', 'plan_own', 1, 'plan_other') returning comment`,
      );
      expect(row?.comment).toBe("other plan");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_feedback")).toEqual(["definer-trigger"]);
      expect(report.matrix.findings[0]?.message).toContain("trigger research_feedback_fill on research_feedback");
      expect(report.matrix.findings[0]?.message).toContain("feedback_fill_comment()");
    });
  });
});

describe("a SECURITY INVOKER function defined with SET role", () => {
  it("runs a tenant's trigger as the owner, rewriting every organization's plans, and is a definer trigger", async () => {
    // The session user owns the tables (as the app's connection does in production), so the
    // function may SET role to it.
    const [owner] = await t.driver.query<{ name: string }>("select current_user as name");
    const hole = `
      create function public.research_feedback_touch() returns trigger language plpgsql security invoker
        set role = "${owner?.name}" as $$
      begin
        update research_plan set title = title || ' [touched]';
        return new;
      end $$;
      create trigger research_feedback_touch after insert on research_feedback
        for each row execute function public.research_feedback_touch();
    `;
    await withHole(t.driver, hole, async () => {
      await t.driver
        .exec(`savepoint touch; select set_config('app.tenant_id', 'org_own', true), set_config('role', 'authenticated', true);
        insert into research_feedback (id, organization_id, plan_id, rating) values ('fb_t', 'org_own', 'plan_own', 1);
        reset role; release savepoint touch`);
      const [other] = await t.driver.query<{ title: string }>(
        "select title from research_plan where id = 'plan_other'",
      );
      expect(other?.title).toBe("other plan [touched]");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "research_feedback")).toEqual(["definer-trigger"]);
      expect(report.matrix.findings.find((f) => f.table === "research_feedback")?.message).toContain(
        `(SET role=${owner?.name})`,
      );
      // Executable by the app roles too (EXECUTE is PUBLIC's by default): an undeclared definer.
      expect(findingsOn(report, "research_feedback_touch()")).toEqual(["definer-routine", "definer-search-path"]);
      expect(report.matrix.objects.find((o) => o.name === "research_feedback_touch()")?.class).toBe("unclassified");
    });
  });
});

describe("a SECURITY DEFINER function in a schema the app roles cannot use", () => {
  const hole = `
    create schema internal;
    create function internal.latest_titles() returns text language sql security definer
      set search_path = pg_catalog, public
      as $$ select string_agg(organization_id || ':' || title, ',' order by organization_id) from public.research_plan $$;
  `;
  const insertFeedback = `insert into research_feedback (id, organization_id, plan_id, rating)
    values ('fb_d', 'org_own', 'plan_own', 1) returning comment`;

  it("runs as its owner from a column default, showing every organization's plans, and is a finding", async () => {
    await withHole(
      t.driver,
      `${hole} alter table research_feedback alter column comment set default internal.latest_titles();`,
      async () => {
        const [row] = await asTenant<{ comment: string }>(insertFeedback);
        expect(row?.comment).toBe("org_other:other plan,org_own:own plan");
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "research_feedback")).toEqual(["definer-dependency"]);
        expect(report.matrix.findings[0]?.message).toContain(
          "default of column comment on research_feedback (reachable by authenticated) calls internal.latest_titles()",
        );
        // Not callable by name without the schema's USAGE, but by OID from a body (below): a routine of the matrix.
        expect(findingsOn(report, "internal.latest_titles()")).toEqual(["definer-routine"]);
      },
    );
  });

  it("from an invoker function's SQL-standard body, which calls it by OID without the schema's USAGE", async () => {
    await withHole(
      t.driver,
      `${hole} create function public.plan_titles() returns text language sql stable
         begin atomic select internal.latest_titles(); end;`,
      async () => {
        const [row] = await asTenant<{ titles: string }>("select plan_titles() as titles");
        expect(row?.titles).toBe("org_other:other plan,org_own:own plan");
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "internal.latest_titles()")).toEqual(["definer-routine"]);
        expect(report.matrix.objects.find((o) => o.name === "plan_titles()")?.class).toBe("invoker routine");
      },
    );
  });

  it("from a CHECK constraint and from an invoker view too", async () => {
    await withHole(
      t.driver,
      `${hole}
       alter table research_feedback add constraint research_feedback_probe check (internal.latest_titles() is not null);
       create view plan_digest with (security_invoker = true) as select internal.latest_titles() as titles;`,
      async () => {
        const [digest] = await asTenant<{ titles: string }>("select titles from plan_digest");
        expect(digest?.titles).toBe("org_other:other plan,org_own:own plan");
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "research_feedback")).toEqual(["definer-dependency"]);
        expect(findingsOn(report, "plan_digest")).toEqual(["definer-dependency"]);
      },
    );
  });
});

describe("an event trigger", () => {
  it("runs its SECURITY DEFINER function when a tenant creates a TEMP table, and is a finding", async () => {
    const hole = `
      create function public.ddl_audit() returns event_trigger language plpgsql security definer
        set search_path = pg_catalog, public as $$
      begin
        update public.research_plan set title = title || ' [ddl]';
      end $$;
      revoke execute on function public.ddl_audit() from public;
      create event trigger ddl_audit on ddl_command_end execute function public.ddl_audit();
    `;
    if (!(await ownerIsSuperuser(t.driver))) {
      // An owner that is not a superuser cannot open this hole at all (production's is not one).
      await expect(withHole(t.driver, hole, async () => undefined)).rejects.toThrow(
        /permission denied to create event trigger/,
      );
      return;
    }
    await withHole(t.driver, hole, async () => {
      await t.driver
        .exec(`savepoint ddl; select set_config('app.tenant_id', 'org_own', true), set_config('role', 'authenticated', true);
        create temp table scratch (x int);
        reset role`);
      const [other] = await t.driver.query<{ title: string }>(
        "select title from research_plan where id = 'plan_other'",
      );
      // The tenant's TEMP table goes (it is the tenant's own, not what is judged here).
      await t.driver.exec("rollback to savepoint ddl");
      expect(other?.title).toBe("other plan [ddl]");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings.map((f) => `${f.code} ${f.table}`)).toEqual(["event-trigger ddl_audit"]);
      expect(report.matrix.findings[0]?.message).toContain("ddl_command_end");
    });
  });

  it("is not reported while disabled", async () => {
    const hole = `
      create function public.ddl_noop() returns event_trigger language plpgsql as $$ begin end $$;
      create event trigger ddl_noop on ddl_command_end execute function public.ddl_noop();
      alter event trigger ddl_noop disable;
    `;
    if (!(await ownerIsSuperuser(t.driver))) {
      await expect(withHole(t.driver, hole, async () => undefined)).rejects.toThrow(
        /permission denied to create event trigger/,
      );
      return;
    }
    await withHole(t.driver, hole, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
    });
  });
});

describe("sequence privileges", () => {
  const hole = `
    create table invoice_counter (id bigserial primary key, organization_id text not null, amount int);
    alter table invoice_counter enable row level security;
    create policy invoice_counter_all on invoice_counter to authenticated
      using (organization_id = (select current_setting('app.tenant_id', true)))
      with check (organization_id = (select current_setting('app.tenant_id', true)));
    create index on invoice_counter (organization_id);
  `;

  it("shows USAGE and SELECT as they are, and needs no more for an insert", async () => {
    await withHole(t.driver, hole, async () => {
      await asTenant("insert into invoice_counter (organization_id, amount) values ('org_own', 1)");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
      const sequence = report.matrix.objects.find((o) => o.name === "invoice_counter_id_seq");
      expect(sequence).toMatchObject({ class: "sequence", access: { authenticated: ["USAGE", "SELECT"] } });
    });
  });

  it("reports UPDATE, with which a tenant resets the counter every tenant draws from", async () => {
    await withHole(t.driver, `${hole} grant update on sequence invoice_counter_id_seq to authenticated;`, async () => {
      const [moved] = await asTenant<{ value: string }>("select setval('invoice_counter_id_seq', 1000)::text as value");
      expect(moved?.value).toBe("1000");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "invoice_counter_id_seq")).toEqual(["sequence-writable"]);
      expect(report.matrix.objects.find((o) => o.name === "invoice_counter_id_seq")?.access).toEqual({
        authenticated: ["USAGE", "SELECT", "UPDATE"],
      });
    });
  });

  it("counts them in a schema the app roles cannot use: setval takes the sequence's OID", async () => {
    const hole = `
      create schema internal;
      create sequence internal.invoice_number;
      grant usage, update on sequence internal.invoice_number to authenticated;
    `;
    await withHole(t.driver, hole, async () => {
      const [seq] = await t.driver.query<{ oid: string }>(
        "select 'internal.invoice_number'::regclass::oid::text as oid",
      );
      const [moved] = await asTenant<{ value: string }>(`select setval(${seq?.oid}, 1000)::text as value`);
      expect(moved?.value).toBe("1000");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "internal.invoice_number")).toEqual(["sequence-writable"]);
      expect(report.matrix.objects.find((o) => o.name === "internal.invoice_number")).toMatchObject({
        class: "sequence",
        access: { authenticated: ["USAGE", "UPDATE"] },
      });
    });
  });
});

describe("a table with the tenant column in a schema the app roles cannot use", () => {
  it("is read through an invoker view in one they can, and is held to the tenant-table checks", async () => {
    const hole = `
      create schema reporting;
      create table reporting.plan_copy as select id, organization_id, title from public.research_plan;
      grant select on reporting.plan_copy to authenticated;
      create view public.plan_report with (security_invoker = true) as select * from reporting.plan_copy;
      grant select on public.plan_report to authenticated;
    `;
    await withHole(t.driver, hole, async () => {
      const [seen] = await asTenant<{ orgs: number }>(
        "select count(distinct organization_id)::int as orgs from plan_report",
      );
      expect(seen?.orgs).toBe(2);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "reporting.plan_copy")).toEqual([
        "rls-disabled",
        "missing-policy select",
        "missing-policy insert",
        "missing-policy update",
        "missing-policy delete",
      ]);
      expect(report.matrix.objects.find((o) => o.name === "plan_report")?.class).toBe("invoker view");
    });
  });
});

describe("a tenant table that inherits from a shared table", () => {
  const hole = `
    create table org_ai_model (organization_id text not null) inherits (ai_model);
    ${tenantTableGuards("org_ai_model")}
    insert into org_ai_model (id, provider, provider_model_id, display_name, organization_id)
      values ('ft_other', 'openai', 'ft:other-merger', 'the other organization''s private model', 'org_other');
  `;

  it("shows the other organization's rows through the shared parent, which is a finding", async () => {
    await withHole(t.driver, hole, async () => {
      const own = await asTenant<{ id: string }>("select id from org_ai_model");
      expect(own).toEqual([]);
      const throughParent = await asTenant<{ id: string }>("select id from ai_model where id = 'ft_other'");
      expect(throughParent).toEqual([{ id: "ft_other" }]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "ai_model")).toEqual(["inherited-rows"]);
      expect(findingsOn(report, "org_ai_model")).toEqual([]);
      expect(report.matrix.findings.find((f) => f.table === "ai_model")?.fix).toContain(
        `ALTER TABLE "org_ai_model" NO INHERIT "ai_model"`,
      );
    });
  });
});

describe("a tenant column whose collation is nondeterministic", () => {
  const hole = `
    create collation tenant_case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    create table note (id text primary key, organization_id text collate tenant_case_blind not null, body text not null);
    ${tenantTableGuards("note")}
    insert into note values ('note_own', 'org_own', 'own note'), ('note_other', 'ORG_OWN', 'another organization''s note');
  `;

  it("lets a tenant see the rows of one whose id differs only in case, which is a finding", async () => {
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>("select id from note order by id");
      // PGlite's ICU has no locale data and compares bytes: the leak shows on the server; the finding on both.
      expect(seen.map((r) => r.id)).toEqual(t.engine === "postgres" ? ["note_other", "note_own"] : ["note_own"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(findingsOn(report, "note")).toEqual(["tenant-column-collation"]);
      expect(report.matrix.findings.find((f) => f.table === "note")?.message).toContain(
        "note.organization_id has the nondeterministic collation tenant_case_blind",
      );
      // PostgreSQL refuses to change the type of a column a policy uses: the fix says so.
      await expect(
        t.driver.exec(`savepoint fix; alter table note alter column organization_id type text collate "C"`),
      ).rejects.toThrow("cannot alter type of a column used in a policy definition");
      await t.driver.exec("rollback to savepoint fix");
      expect(report.matrix.findings.find((f) => f.table === "note")?.fix).toContain("drop the table's policies first");
    });
  });
});

describe("a large object a tenant stored", () => {
  it("is read by another tenant (large objects have no RLS; both run as authenticated), which is a finding", async () => {
    await withHole(t.driver, "", async () => {
      // Inside the open transaction: the object is rolled back with it.
      await t.driver.exec(`savepoint store;
        select set_config('app.tenant_id', 'org_other', true), set_config('role', 'authenticated', true);
        select lo_from_bytea(0, convert_to('the other organization''s contract', 'UTF8'));
        reset role; release savepoint store`);
      const [read] = await asTenant<{ body: string }>(
        "select convert_from(lo_get(oid), 'UTF8') as body from pg_largeobject_metadata",
      );
      expect(read?.body).toBe("the other organization's contract");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings.map((f) => f.code)).toEqual(["large-object-owned"]);
      expect(report.matrix.findings[0]?.message).toContain("role authenticated can use 1 large object(s)");
    });
  });
});

describe("a large object the owner stored and granted to the tenant role", () => {
  it("is read by every tenant, which is a finding", async () => {
    await withHole(t.driver, "", async () => {
      const [stored] = await t.driver.query<{ oid: number }>(
        "select lo_from_bytea(0, convert_to('one organization''s contract', 'UTF8'))::int as oid",
      );
      await t.driver.exec(`grant select on large object ${stored?.oid} to authenticated`);
      const [read] = await asTenant<{ body: string }>(`select convert_from(lo_get(${stored?.oid}), 'UTF8') as body`);
      expect(read?.body).toBe("one organization's contract");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings.map((f) => f.code)).toEqual(["large-object-owned"]);
    });
  });
});

describe("a table that inherits from member", () => {
  it("lets a tenant write the rows the user policy's EXISTS reads through member: the policy confines nothing", async () => {
    await withHole(
      t.driver,
      `create table member_extra () inherits (member);
       ${tenantTableGuards("member_extra")}`,
      async () => {
        const before = await asTenant<{ id: string }>(`select id from "user" order by id`);
        expect(before.map((r) => r.id)).toEqual(["user_own"]);
        await t.driver.exec(`insert into "user" (id, name, email) values ('user_far', 'far', 'far@example.com')`);
        // As the tenant, in one savepoint: the member row it writes, then what the user policy shows.
        await t.driver.exec(`savepoint as_tenant;
          select set_config('app.tenant_id', 'org_own', true), set_config('app.user_id', 'user_own', true),
                 set_config('role', 'authenticated', true);
          insert into member_extra (id, organization_id, user_id) values ('m_far', 'org_own', 'user_far')`);
        const after = await t.driver.query<{ id: string }>(`select id from "user" order by id`);
        await t.driver.exec("rollback to savepoint as_tenant; reset role");
        expect(after.map((r) => r.id)).toEqual(["user_far", "user_own"]);
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "user")).toEqual(["unscoped-policy"]);
      },
    );
  });
});

describe("a user-scoped table that inherits from a shared table", () => {
  it("shows every user's rows through the parent, RLS on for every row, which is a finding", async () => {
    const mine = "(user_id = (select current_setting('app.user_id', true)))";
    await withHole(
      t.driver,
      `alter table ai_model enable row level security;
       create policy ai_model_read on ai_model for select to authenticated using (true);
       create table user_secret (user_id text not null) inherits (ai_model);
       alter table user_secret enable row level security;
       create policy user_secret_select on user_secret for select to authenticated using ${mine};
       grant select on user_secret to authenticated;
       insert into user_secret (id, provider, provider_model_id, display_name, user_id)
         values ('secret_far', 'openai', 'ft:far', 'another user''s model', 'user_far');`,
      async () => {
        expect(await asTenant<{ id: string }>("select id from user_secret")).toEqual([]);
        const throughParent = await asTenant<{ id: string }>("select id from ai_model where id = 'secret_far'");
        expect(throughParent).toEqual([{ id: "secret_far" }]);
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "ai_model")).toEqual(["inherited-rows"]);
      },
    );
  });
});
