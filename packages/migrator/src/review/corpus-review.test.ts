import { describe, expect, it } from "vitest";
import type { Finding } from "./finding.ts";
import { corpusFolders, reviewCorpus } from "./testing/corpus-histories.ts";

// db:review on the seven public histories of fixtures/histories (README there), as a project
// without conventions configures it (no tenant column, no guard baseline), with every snapshot the
// folder has. Each kind of finding a reviewer dismissed as wrong when these histories were first
// reviewed is checked below by the shape that caused it: the count of such findings must stay 0.
// The findings that remain are real (a reviewer agrees) and their counts are pinned at the end,
// so any change to what the review reports on real histories is noticed.

/** `<folder>/<file>:<line>` of each finding, for exact sets. */
const where = (findings: readonly Finding[]) => findings.map((f) => `${f.file}:${f.line}`);

/** The findings of one rule over the whole corpus. */
async function corpusFindings(rule: string): Promise<Finding[]> {
  const all = await Promise.all(corpusFolders().map((folder) => reviewCorpus(folder, { rule })));
  return all.flat();
}

describe("db:review on real histories: findings a reviewer dismissed as wrong stay at zero", () => {
  it("finds all seven folders", () => {
    expect(corpusFolders()).toHaveLength(7);
  });

  it('index-name-collision: no "already used" for a name freed by DROP CONSTRAINT / DROP TABLE, on another table or schema, or restated identically (32 before)', async () => {
    const findings = await corpusFindings("index-name-collision");
    expect(where(findings.filter((f) => f.message.includes("already used")))).toEqual([]);
  });

  it("manual-addition-header: only hand-written statements without a header, where the snapshots allow a check", async () => {
    // Stubbed snapshots (sim, Dokploy, giselle, tambo) leave those folders unchecked; the other
    // three keep theirs. scorebrawl's three are real: an UPDATE backfill and CREATE EXTENSION
    // Drizzle Kit never generates, written without the header.
    expect(where(await corpusFindings("manual-addition-header"))).toEqual([
      "thor-coding-cowboys__scorebrawl/0009_parallel_scream.sql:30",
      "thor-coding-cowboys__scorebrawl/20241127105919_melted_gambit.sql:4",
      "thor-coding-cowboys__scorebrawl/20241127105919_melted_gambit.sql:5",
    ]);
  });

  it("dynamic-sql: a rename and a loop of GRANTs that only EXECUTE holds, which no other rule can read", async () => {
    expect(where(await corpusFindings("dynamic-sql"))).toEqual([
      "simstudioai__sim/0076_damp_vector.sql:5", // EXECUTE 'ALTER TABLE … RENAME COLUMN metadata TO execution_data'
      "tambo-ai__tambo/0015_shallow_bruce_banner.sql:4", // EXECUTE format('GRANT EXECUTE ON FUNCTION …') per function
    ]);
  });

  it("rename-as-drop-add: no replacement whose data is copied, whose type, default or reference differs (54 before)", async () => {
    // What remains is the question the rule asks: sim 0110 drops "auto_fill_env_vars" and adds
    // "error_notifications_enabled", both boolean DEFAULT true NOT NULL, copying nothing. From
    // the SQL it is indistinguishable from a rename; the team answers it (it is not one).
    expect(where(await corpusFindings("rename-as-drop-add"))).toEqual(["simstudioai__sim/0110_broken_paladin.sql:2"]);
    for (const [folder, tag] of [
      ["Dokploy__dokploy", "0066_yielding_echo"], // userId → organizationId, filled by UPDATE first
      ["Dokploy__dokploy", "0107_loud_kang"], // projectId → environmentId, filled by UPDATE first
      ["Dokploy__dokploy", "0026_known_dormammu"], // customGitSSHKey → customGitSSHKeyId, a reference to ssh-key
      ["Dokploy__dokploy", "0039_many_tiger_shark"], // authId (→ auth) → adminId (→ admin)
      ["simstudioai__sim", "0055_amused_ender_wiggin"], // a boolean with another default
      ["simstudioai__sim", "0076_damp_vector"], // metadata renamed in a DO block, the rest moved by UPDATE
      ["tambo-ai__tambo", "0043_mute_rage"], // project_id → a reference to another table
      ["miurla__morphic", "0015_library_file_object_keys_only"], // url → object_key, filled from it
    ]) {
      expect(await reviewCorpus(folder!, { only: [tag!], rule: "rename-as-drop-add" }), tag).toEqual([]);
    }
  });

  it('drop-statement: no replaced object (by name or under a new name), no object the migration created, no "?" names', async () => {
    const findings = await corpusFindings("drop-statement");
    expect(findings.filter((f) => f.message.includes('"?"'))).toEqual([]);
    const replaced = [
      "Dokploy__dokploy/0008_lazy_sage.sql:1", // a foreign key dropped, re-added with another ON DELETE
      "Dokploy__dokploy/0120_lame_captain_midlands.sql:3", // re-added as account_user_id_user_id_fk after the table rename
      "Mail-0__Zero/0005_mature_lady_deathstrike.sql:2", // the same, after mail0_google_connection → mail0_connection
      "simstudioai__sim/0220_early_hellion.sql:33", // DROP PROCEDURE of the helper the migration created and called
      "simstudioai__sim/0222_kb_document_storage_key.sql:131", // DROP FUNCTION of the migration's own helper
      "simstudioai__sim/0260_unknown_sinister_six.sql:16", // DROP INDEX CONCURRENTLY, created again concurrently
      "tambo-ai__tambo/0019_rich_amazoness.sql:3", // DROP POLICY … CASCADE, created again
    ];
    expect(where(findings).filter((line) => replaced.includes(line))).toEqual([]);
  });

  it("column-type-change, set-not-null, add-not-null-without-default: nothing where PostgreSQL changes or checks nothing", async () => {
    const types = await corpusFindings("column-type-change");
    expect(where(types).filter((line) => /0228_order_key|giselles-ai__giselle\/0045_/.test(line))).toEqual([]);
    const notNull = await reviewCorpus("Dokploy__dokploy", { only: ["0066_yielding_echo"], rule: "set-not-null" });
    // The first SET NOT NULL of each organizationId scans; the second (lines 643-650) does nothing.
    expect(notNull.map((f) => f.line)).toEqual([155, 156, 157, 158, 603, 604, 605, 606, 607, 608, 609, 610]);
    expect(where(await corpusFindings("add-not-null-without-default"))).not.toContain(
      "giselles-ai__giselle/0021_watery_microchip.sql:1", // serial: filled from its sequence
    );
  });

  it("RLS rules say nothing to a project without a tenant column, and still work for one that has it", async () => {
    for (const rule of ["rls-not-enabled", "rls-policies-incomplete"]) expect(await corpusFindings(rule)).toEqual([]);
    const multiTenant = { tenantColumn: "organization_id", role: "authenticated", rules: {} };
    const sim = await reviewCorpus("simstudioai__sim", { rule: "rls-not-enabled", config: multiTenant });
    expect(sim.length).toBeGreaterThan(0);
  });

  it("snapshot-diff-failed: every migration whose snapshots could not be diffed is named, and only those", async () => {
    expect(where(await corpusFindings("snapshot-diff-failed"))).toEqual([
      "Mail-0__Zero/0002_flimsy_nightshade.sql:1",
      "Mail-0__Zero/0003_purple_kylun.sql:1",
      "Mail-0__Zero/0005_mature_lady_deathstrike.sql:1",
      "Mail-0__Zero/0006_small_unicorn.sql:1",
      "thor-coding-cowboys__scorebrawl/0007_mighty_hawkeye.sql:1",
    ]);
  });

  it("transaction-control: every top-level BEGIN/COMMIT (sim's 24 COMMITs, giselle's two BEGIN … COMMIT)", async () => {
    const findings = await corpusFindings("transaction-control");
    expect(where(findings.filter((f) => f.file.startsWith("giselles")))).toEqual([
      "giselles-ai__giselle/0045_brown_spitfire.sql:1",
      "giselles-ai__giselle/0045_brown_spitfire.sql:47",
      "giselles-ai__giselle/0047_hot_chamber.sql:1",
      "giselles-ai__giselle/0047_hot_chamber.sql:15",
    ]);
    const sim = findings.filter((f) => f.file.startsWith("simstudioai"));
    expect(sim).toHaveLength(24);
    expect(sim.every((f) => f.message.startsWith("COMMIT ends"))).toBe(true);
  });
});

/**
 * Real findings, pinned. The lock and type rules (timestamp-without-time-zone, rename-column-or-table,
 * drop-not-null, unique-constraint-builds-index, identifier-too-long, …) were read on every
 * folder: what they report is there (a timestamp without a zone, a rename the running version
 * does not know, a name PostgreSQL truncates). A CONCURRENTLY after the migration's own COMMIT is
 * transaction-control's, not concurrent-index-in-transaction's. non-concurrent-drop-index reports
 * each of the 71 DROP INDEX statements without CONCURRENTLY: every one drops an index of a table
 * that existed before (sim's later migrations say so themselves and switched to CONCURRENTLY).
 */
const REAL_FINDINGS: Record<string, Record<string, number>> = {
  // 0120 and 0147 rename "user_temp" to "user" and "session_temp" to "session", then constrain them:
  // tables with rows, under their new names (1 foreign key, 2 unique constraints).
  Dokploy__dokploy: {
    "add-not-null-without-default": 1,
    "column-type-change": 24,
    "constraint-not-valid": 91,
    "drop-not-null": 5,
    "drop-statement": 70,
    "fk-on-delete": 9,
    "identifier-too-long": 2,
    "non-concurrent-index": 8,
    "rename-column-or-table": 13,
    "set-not-null": 25,
    "timestamp-without-time-zone": 32,
    "unique-constraint-builds-index": 3,
  },
  // 0005 renames "mail0_google_connection" to "mail0_connection", then adds a NOT NULL column
  // without a default (fails once the table has rows), a foreign key and a unique constraint to it.
  "Mail-0__Zero": {
    "add-not-null-without-default": 1,
    "column-type-change": 1,
    "constraint-not-valid": 3,
    "drop-not-null": 1,
    "drop-statement": 9,
    "fk-on-delete": 11,
    "rename-column-or-table": 2,
    "snapshot-diff-failed": 4,
    "timestamp-without-time-zone": 35,
    "unique-constraint-builds-index": 2,
  },
  "giselles-ai__giselle": {
    "add-not-null-without-default": 3,
    "add-serial-column": 1,
    "column-type-change": 1,
    "constraint-not-valid": 7,
    "drop-not-null": 1,
    "drop-statement": 41,
    "fk-on-delete": 26,
    "identifier-too-long": 12,
    "non-concurrent-drop-index": 4,
    "non-concurrent-index": 11,
    "rename-column-or-table": 2,
    "set-not-null": 8,
    "timestamp-without-time-zone": 94,
    "transaction-control": 4,
    "unique-constraint-builds-index": 11,
  },
  miurla__morphic: {
    "column-type-change": 1,
    "constraint-not-valid": 1,
    "drop-statement": 1,
    "non-concurrent-index": 6,
    "rls-per-row-setting": 7,
    "set-not-null": 1,
    "timestamp-without-time-zone": 9,
  },
  simstudioai__sim: {
    "add-not-null-without-default": 1,
    "column-type-change": 12,
    "constraint-not-valid": 41,
    "drop-not-null": 13,
    "drop-statement": 188,
    "dynamic-sql": 1,
    "fk-on-delete": 8,
    "identifier-too-long": 19,
    "non-concurrent-drop-index": 65,
    "non-concurrent-index": 170,
    "rename-as-drop-add": 1,
    "rename-column-or-table": 3,
    "set-not-null": 8,
    "timestamp-without-time-zone": 388,
    "transaction-control": 24,
    "unique-constraint-builds-index": 4,
    "validate-in-same-migration": 5,
  },
  // 0082 creates a public "sessions" beside 0000's "auth"."sessions": a new table, not an existing
  // one (its foreign key and three indexes lock nothing anyone uses yet).
  "tambo-ai__tambo": {
    "add-not-null-without-default": 2,
    "column-type-change": 15,
    "constraint-not-valid": 8,
    "drop-not-null": 5,
    "drop-statement": 12,
    "dynamic-sql": 1,
    "fk-on-delete": 14,
    "identifier-too-long": 4,
    "non-concurrent-drop-index": 1,
    "non-concurrent-index": 21,
    "rename-column-or-table": 1,
    "rls-per-row-setting": 3,
    "set-not-null": 1,
    "timestamp-without-time-zone": 19,
    "unique-constraint-builds-index": 4,
    // 0062 adds DEFAULT encode(gen_random_bytes(32), 'hex') (pgcrypto, volatile) to "projects".
    "volatile-default-rewrite": 1,
  },
  "thor-coding-cowboys__scorebrawl": {
    "constraint-not-valid": 19,
    "drop-not-null": 2,
    "drop-statement": 13,
    "fk-on-delete": 28,
    "manual-addition-header": 3,
    "non-concurrent-drop-index": 1,
    "non-concurrent-index": 8,
    "rename-column-or-table": 1,
    "set-not-null": 3,
    "snapshot-diff-failed": 1,
    "timestamp-without-time-zone": 47,
  },
};

describe("db:review on real histories: the real findings, counted per rule", () => {
  for (const folder of corpusFolders()) {
    it(folder, async () => {
      const counts: Record<string, number> = {};
      for (const finding of await reviewCorpus(folder)) {
        if (finding.rule === "index-name-collision" && !finding.message.includes("already used")) continue;
        counts[finding.rule] = (counts[finding.rule] ?? 0) + 1;
      }
      expect(Object.fromEntries(Object.entries(counts).sort())).toEqual(REAL_FINDINGS[folder]);
    });
  }
});
