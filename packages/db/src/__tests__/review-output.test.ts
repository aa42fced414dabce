/**
 * db:review as a real process on a history whose snapshots Drizzle Kit's differ cannot compare
 * without asking (Zero: renames). The differ prints an "Interactive prompts require a TTY" trace to
 * stderr when it is let ask; the review must not let it, and must say which migrations went
 * unchecked in its own output instead. Anything else on stdout or stderr fails this test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startCommand } from "../testing/run-command.ts";

const ZERO = fileURLToPath(new URL("../../../migrator/fixtures/histories/Mail-0__Zero", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "review-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("db:review's output on a real history", { timeout: 60_000 }, () => {
  it("prints only its JSON, the folder's warning and its summary: nothing from Drizzle Kit, the unchecked migrations as findings", async () => {
    const config = join(dir, "review.config.json");
    writeFileSync(config, '{ "rules": {} }\n');
    const args = ["--migrations", ZERO, "--config", config, "--no-baseline", "--format", "json"];
    const { code, stdout, stderr } = await startCommand("review", args, {}).done;
    const findings = JSON.parse(stdout) as { file: string; rule: string; severity: string }[];
    expect(
      findings.filter((f) => f.rule === "snapshot-diff-failed").map((f) => `${f.file.split("/").pop()} ${f.severity}`),
    ).toEqual([
      "0002_flimsy_nightshade.sql warning",
      "0003_purple_kylun.sql warning",
      "0005_mature_lady_deathstrike.sql warning",
      "0006_small_unicorn.sql warning",
    ]);
    expect(stderr.split("\n").filter(Boolean)).toEqual([
      `warning: ${join(ZERO, "0025_far_echo.sql")}: SQL file not in the journal, so it never runs. Add it with drizzle-kit generate, or delete it.`,
      `Reviewed 26 migration(s): ${findings.filter((f) => f.severity === "error").length} error(s), ${findings.filter((f) => f.severity === "warning").length} warning(s)`,
    ]);
    expect(code).toBe(1);
  });
});
