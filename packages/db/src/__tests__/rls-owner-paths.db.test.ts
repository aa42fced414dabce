/**
 * Code that runs as another role or for another tenant without being a SECURITY DEFINER routine
 * the app roles call, and objects that hold other tenants' rows under a name `db:rls` trusted: a
 * second hostile review found each passing `db:rls` with exit 0 on PostgreSQL 15. Each hole is
 * opened in a transaction on a migrated database, shown to leak, judged by `db:rls`'s report, and
 * rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageReport, type CoverageReport } from "@repo/migrator";
import { RLS_CONFIG } from "../project.ts";
import { ownerIsSuperuser, queryAsTenant, TWO_TENANTS, withHole } from "../testing/rls-helpers.ts";
import { tenantTableGuards } from "../testing/rls-mutations.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.driver.exec(`${TWO_TENANTS}
    insert into plan_step (id, organization_id, plan_id, position, step_type, title)
      values ('step_own', 'org_own', 'plan_own', 1, 'search', 'own step'),
             ('step_other', 'org_other', 'plan_other', 1, 'search', 'other step');`);
});
afterAll(async () => {
  await t?.close();
});

/** An aggregate whose support function is SECURITY DEFINER and reads any tenant's plans (the support function's EXECUTE revoked). */
const DEFINER_AGGREGATE = `
      create function public.plan_titles_step(acc text, org text) returns text language sql security definer
        set search_path = pg_catalog, public
        as $$ select coalesce(acc || ' | ', '') || (select string_agg(title, ', ') from public.research_plan where organization_id = org) $$;
      revoke execute on function public.plan_titles_step(text, text) from public;
      create aggregate public.plan_titles(text) (sfunc = public.plan_titles_step, stype = text);
`;

/** Runs `sql` as the tenant role for org_own / user_own inside the open transaction; returns its rows. */
const asTenant = <Row>(sql: string): Promise<Row[]> => queryAsTenant<Row>(t.driver, sql);

/** Runs `sql` as the tenant and keeps what it did (inside the open transaction, rolled back with it). */
async function keepAsTenant(sql: string): Promise<void> {
  await t.driver.exec(`savepoint as_tenant;
    select set_config('app.tenant_id', 'org_own', true), set_config('app.user_id', 'user_own', true),
           set_config('role', 'authenticated', true);
    ${sql};
    reset role; release savepoint as_tenant`);
}

const findingsOn = (report: CoverageReport, name: string) =>
  report.matrix.findings.filter((f) => f.table === name).map((f) => f.code);
const codes = (report: CoverageReport) => report.matrix.findings.map((f) => `${f.code} ${f.table ?? ""}`.trim());

describe("a SECURITY INVOKER trigger that a foreign key's action fires", () => {
  /** A log of deleted steps, and a trigger that writes it reading every plan ("RLS will filter"). */
  const tombstones = `
    create table step_tombstone (id text primary key default gen_random_uuid()::text,
      organization_id text not null references organization (id) on delete cascade, ran_as text, summary text);
    ${tenantTableGuards("step_tombstone")}
    create function public.step_tombstone_write() returns trigger language plpgsql as $$
    begin
      insert into step_tombstone (organization_id, ran_as, summary)
        values (old.organization_id, current_user,
                (select string_agg(title, ', ' order by title) from research_plan));
      return old;
    end $$;
    create trigger step_tombstone before delete on plan_step for each row execute function public.step_tombstone_write();
  `;

  it("runs as the table's owner when a tenant's delete cascades, reads every organization's plans, and is a finding", async () => {
    await withHole(t.driver, tombstones, async () => {
      const [owner] = await t.driver.query<{ name: string }>("select current_user as name");
      // Deleting its own plan cascades to its step as the owner of plan_step.
      await keepAsTenant(`delete from research_plan where id = 'plan_own'`);
      const [row] = await asTenant<{ ran_as: string; summary: string }>("select ran_as, summary from step_tombstone");
      expect(row).toEqual({ ran_as: owner?.name, summary: "other plan" });
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["fk-action-trigger plan_step"]);
      const finding = report.matrix.findings[0];
      expect(finding?.message).toContain("ON DELETE CASCADE of plan_step_plan_id_tenant_fk (references research_plan)");
      expect(finding?.message).toContain("its body uses research_plan, step_tombstone");
      expect(finding?.fix).toContain(`WHERE "organization_id" = OLD."organization_id"`);
    });
  });

  it("is reported when the function is SECURITY DEFINER on a table the app roles cannot write", async () => {
    await withHole(
      t.driver,
      `${tombstones}
       alter function public.step_tombstone_write() security definer set search_path = pg_catalog, public;
       revoke insert, update, delete on plan_step from authenticated;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "plan_step")).toEqual(["fk-action-trigger"]);
        expect(report.matrix.findings.find((f) => f.table === "plan_step")?.message).toContain(
          "its function runs as another role besides (SECURITY DEFINER)",
        );
      },
    );
  });

  it("passes when its body names no table, or when its function is declared", async () => {
    const touch = `
      create function public.plan_step_touch() returns trigger language plpgsql as $$
      begin new.updated_at := now(); return new; end $$;
      create trigger plan_step_touch before update on plan_step for each row execute function public.plan_step_touch();
      alter table plan_step drop constraint plan_step_plan_id_tenant_fk,
        add constraint plan_step_plan_id_tenant_fk foreign key (organization_id, plan_id)
          references research_plan (organization_id, id) on update cascade on delete cascade;
    `;
    await withHole(t.driver, touch, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(report.matrix.findings).toEqual([]);
    });
    await withHole(t.driver, tombstones, async () => {
      const report = await coverageReport(t.driver, { ...RLS_CONFIG, definerRoutines: ["step_tombstone_write"] });
      expect(report.matrix.findings).toEqual([]);
    });
  });

  it("is reported when its body runs SQL from a string, which cannot be read", async () => {
    await withHole(
      t.driver,
      `${tombstones}
       create or replace function public.step_tombstone_write() returns trigger language plpgsql as $$
       begin execute 'select 1'; return old; end $$;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(findingsOn(report, "plan_step")).toEqual(["fk-action-trigger"]);
        expect(report.matrix.findings[0]?.message).toContain("it runs SQL from strings (EXECUTE)");
      },
    );
  });
});

describe("a view under a shared table's name", () => {
  const usage = `
    insert into ai_model (id, provider, provider_model_id, display_name) values ('m1', 'openai', 'gpt', 'GPT');
    insert into ai_usage (id, organization_id, model_id, operation, cost_usd)
      values ('u_own', 'org_own', 'm1', 'chat', 1), ('u_other', 'org_other', 'm1', 'chat', 2);
    alter table ai_model_pricing rename to ai_model_pricing_list;
    revoke all on ai_model_pricing_list from authenticated, anonymous;
  `;

  it("reads the tenant tables it joins as its owner, and is a finding", async () => {
    await withHole(
      t.driver,
      `${usage}
       create view ai_model_pricing as
         select m.id as model_id, u.organization_id as used_by from ai_model m join ai_usage u on u.model_id = m.id;
       revoke all on ai_model_pricing from authenticated, anonymous;
       grant select on ai_model_pricing to authenticated;`,
      async () => {
        const seen = await asTenant<{ used_by: string }>("select used_by from ai_model_pricing order by 1");
        expect(seen.map((r) => r.used_by)).toEqual(["org_other", "org_own"]);
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(codes(report)).toEqual(["shared-view-source ai_model_pricing"]);
        expect(report.matrix.findings[0]?.message).toContain("reads ai_usage, which is not");
        expect(report.matrix.objects.find((o) => o.name === "ai_model_pricing")?.class).toBe("unclassified");
      },
    );
  });

  it("and a materialized view too", async () => {
    await withHole(
      t.driver,
      `${usage}
       create materialized view ai_model_pricing as
         select m.id as model_id, (select count(*) from ai_usage u where u.model_id = m.id) as calls from ai_model m;
       revoke all on ai_model_pricing from authenticated, anonymous;
       grant select on ai_model_pricing to authenticated;`,
      async () => {
        const [seen] = await asTenant<{ calls: string }>("select calls::text from ai_model_pricing");
        expect(seen?.calls).toBe("2");
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(codes(report)).toEqual(["shared-view-source ai_model_pricing"]);
      },
    );
  });

  it("passes while it reads shared tables only", async () => {
    await withHole(
      t.driver,
      `${usage}
       create view ai_model_pricing as select m.id as model_id, m.display_name from ai_model m;
       revoke all on ai_model_pricing from authenticated, anonymous;
       grant select on ai_model_pricing to authenticated;`,
      async () => {
        const report = await coverageReport(t.driver, RLS_CONFIG);
        expect(report.matrix.findings).toEqual([]);
        expect(report.matrix.objects.find((o) => o.name === "ai_model_pricing")?.class).toBe("shared");
      },
    );
  });
});

describe("an aggregate whose support function is SECURITY DEFINER, EXECUTE revoked", () => {
  it("runs that function for any caller of the aggregate, reading another organization's plans, and is a finding", async () => {
    const hole = DEFINER_AGGREGATE;
    await withHole(t.driver, hole, async () => {
      await expect(asTenant("select public.plan_titles_step(null, 'org_other')")).rejects.toThrow(
        /permission denied for function plan_titles_step/,
      );
      const [row] = await asTenant<{ titles: string }>(
        "select public.plan_titles(org) as titles from (values ('org_other')) v(org)",
      );
      expect(row?.titles).toBe("other plan");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["definer-routine plan_titles(text)"]);
      const finding = report.matrix.findings[0];
      expect(finding?.message).toContain("through its support function plan_titles_step(text,text)");
      expect(finding?.fix).toContain("make its support function plan_titles_step(text,text) SECURITY INVOKER");
    });
  });

  it("is a definer dependency of an invoker view that calls it, even with the aggregate's EXECUTE revoked", async () => {
    const hole = `${DEFINER_AGGREGATE}
      revoke execute on function public.plan_titles(text) from public;
      create view plan_digest with (security_invoker = true) as
        select public.plan_titles(o.id) as titles from organization o where o.id = 'org_other';
    `;
    await withHole(t.driver, hole, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["definer-dependency plan_digest"]);
      expect(report.matrix.findings[0]?.message).toContain(
        "calls plan_titles(text), which runs, through its support function plan_titles_step(text,text), as another role (SECURITY DEFINER)",
      );
      expect(report.matrix.findings[0]?.fix).toContain("ALTER FUNCTION plan_titles_step(text,text) SECURITY INVOKER");
    });
  });
});

describe("a SECURITY DEFINER trigger on a partition the app roles cannot reach", () => {
  /** A guarded tenant table whose rows all go to a partition in a schema the app roles cannot use. */
  const hiddenPartition = `
      create table plan_note (id text not null, organization_id text not null, body text,
        primary key (organization_id, id)) partition by list (organization_id);
      ${tenantTableGuards("plan_note")}
      create schema archive;
      create table archive.plan_note_all partition of plan_note default;
      revoke all on archive.plan_note_all from authenticated, anonymous;`;

  it("runs for the rows a tenant writes to the parent, reading every organization's plans, and is a finding", async () => {
    const hole = `${hiddenPartition}
      create function archive.note_enrich() returns trigger language plpgsql security definer
        set search_path = pg_catalog, public as $$
      begin new.body := (select string_agg(title, ', ' order by title) from public.research_plan); return new; end $$;
      revoke execute on function archive.note_enrich() from public;
      create trigger note_enrich before insert on archive.plan_note_all for each row execute function archive.note_enrich();
    `;
    await withHole(t.driver, hole, async () => {
      const [row] = await asTenant<{ body: string }>(
        "insert into plan_note (id, organization_id) values ('n1', 'org_own') returning body",
      );
      expect(row?.body).toBe("other plan, own plan");
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["definer-trigger plan_note"]);
      expect(report.matrix.findings[0]?.message).toContain(
        "trigger note_enrich on archive.plan_note_all, which the rows written to plan_note (writable by authenticated) reach,",
      );
    });
  });

  it("and a CHECK constraint there calling a SECURITY DEFINER function", async () => {
    const hole = `${hiddenPartition}
      create function archive.titles() returns text language sql security definer
        set search_path = pg_catalog, public as $$ select string_agg(title, ', ') from public.research_plan $$;
      revoke execute on function archive.titles() from public;
      alter table archive.plan_note_all add constraint plan_note_all_probe check (archive.titles() is not null);
    `;
    await withHole(t.driver, hole, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["definer-dependency plan_note"]);
      expect(report.matrix.findings[0]?.message).toContain(
        "constraint plan_note_all_probe on archive.plan_note_all, which the rows written to plan_note",
      );
    });
  });
});

describe("a routine defined with SET of the tenant setting", () => {
  it("serves that tenant's rows to whoever calls it, and is a finding", async () => {
    const hole = `
      create function public.other_plans() returns setof research_plan language sql stable
        set app.tenant_id = 'org_other' set search_path = pg_catalog, public
        as $$ select * from public.research_plan $$;
    `;
    // Only a superuser (or a role granted SET on the parameter) may attach a custom setting to a routine.
    if (!(await ownerIsSuperuser(t.driver))) {
      await expect(withHole(t.driver, hole, async () => undefined)).rejects.toThrow(
        /permission denied to set parameter "app.tenant_id"/,
      );
      return;
    }
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ id: string }>("select id from public.other_plans()");
      expect(seen).toEqual([{ id: "plan_other" }]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["routine-sets-setting other_plans()"]);
      expect(report.matrix.findings[0]?.fix).toContain("ALTER FUNCTION other_plans() RESET app.tenant_id");
      expect(report.matrix.objects.find((o) => o.name === "other_plans()")?.class).toBe("unclassified");
    });
  });
});

describe("objects created in pg_catalog or information_schema after initdb", () => {
  it("are judged like any other (a superuser made them)", async () => {
    const hole = `
      create function pg_catalog.all_plan_titles() returns setof text language sql stable security definer
        set search_path = pg_catalog, public as $$ select title from public.research_plan $$;
      create view information_schema.plan_titles as select organization_id, title from public.research_plan;
      grant select on information_schema.plan_titles to authenticated;
    `;
    if (!(await ownerIsSuperuser(t.driver))) {
      await expect(withHole(t.driver, hole, async () => undefined)).rejects.toThrow(
        /permission denied for schema pg_catalog/,
      );
      return;
    }
    await withHole(t.driver, hole, async () => {
      const seen = await asTenant<{ title: string }>("select title from information_schema.plan_titles order by 1");
      expect(seen.map((r) => r.title)).toEqual(["other plan", "own plan"]);
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual([
        "definer-view information_schema.plan_titles",
        "definer-routine pg_catalog.all_plan_titles()",
      ]);
    });
  });
});

describe("an object other than a table that the tenant role owns", () => {
  it("can be dropped by a tenant, with every organization's column that uses it, and is a finding", async () => {
    // A new owner needs CREATE on the type's schema, which a non-superuser owner cannot give on
    // public: a schema of its own, the right taken back once the tenant role owns the type.
    const hole = `
      create schema moods;
      grant usage, create on schema moods to authenticated;
      create type moods.plan_mood as enum ('calm', 'urgent');
      alter table research_plan add column mood moods.plan_mood;
      update research_plan set mood = 'urgent';
      alter type moods.plan_mood owner to authenticated;
      revoke create on schema moods from authenticated;
    `;
    await withHole(t.driver, hole, async () => {
      await keepAsTenant("drop type moods.plan_mood cascade");
      const [gone] = await t.driver.query<{ n: number }>(
        "select count(*)::int as n from pg_attribute where attrelid = 'research_plan'::regclass and attname = 'mood' and not attisdropped",
      );
      expect(gone?.n).toBe(0);
    });
    await withHole(t.driver, hole, async () => {
      const report = await coverageReport(t.driver, RLS_CONFIG);
      expect(codes(report)).toEqual(["role-owns-object type moods.plan_mood"]);
      expect(report.matrix.findings[0]?.fix).toContain(`REASSIGN OWNED BY "authenticated" TO`);
    });
  });
});
