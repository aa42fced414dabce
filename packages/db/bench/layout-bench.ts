/**
 * Benchmark 5: reading Trovella's history in Drizzle Kit 1.0's layout (one folder per migration,
 * format-8 snapshots, as `drizzle-kit up` of the pinned 1.0 release candidate writes it) against
 * the same history in 0.x's layout, with the one reader every command starts with
 * (`readMigrationFolder`: SQL, hashes, snapshots, every check). Files only, no database. The 1.0
 * copy is made by `upgradeLayout` with the Drizzle Kit 1.0 of `packages/drizzle-next` (test-only).
 */
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readMigrationFolder, upgradeLayout } from "@repo/migrator";
import { MIGRATIONS_FOLDER } from "../src/project.ts";
import type { BenchRow } from "./bench-report.ts";
import { type Measurement, sideBySide } from "./timing.ts";

/** The pinned Drizzle Kit 1.0 (a test-only package of this repository). */
const DRIZZLE_KIT_1 = fileURLToPath(new URL("../../drizzle-next/node_modules/drizzle-kit", import.meta.url));

/** Reads per sample: one read of eleven migrations takes a few milliseconds. */
const READS = 25;

export interface LayoutBenchResult {
  migrations: number;
  readsPerSample: number;
  legacy: Measurement;
  folders: Measurement;
  /** 1.0 layout median / 0.x layout median. */
  ratio: number;
  /** The bytes of all snapshots in each layout: the reader parses every one on every read. */
  snapshotBytes: { legacy: number; folders: number };
}

function timeReads(folder: string): () => Promise<number> {
  return async () => {
    const started = performance.now();
    for (let i = 0; i < READS; i++) readMigrationFolder(folder);
    return performance.now() - started;
  };
}

/** Runs benchmark 5, or says why it cannot (no Drizzle Kit 1.0 installed for the conversion). */
export async function benchLayout(runs: number): Promise<LayoutBenchResult | string> {
  if (!existsSync(join(DRIZZLE_KIT_1, "package.json")))
    return `5. not measured: no Drizzle Kit 1.0 at ${DRIZZLE_KIT_1} to convert the history with (pnpm install)`;
  const root = mkdtempSync(join(tmpdir(), "trovella-bench-layout-"));
  try {
    const legacy = join(root, "legacy");
    const folders = join(root, "folders");
    cpSync(MIGRATIONS_FOLDER, legacy, { recursive: true });
    cpSync(MIGRATIONS_FOLDER, folders, { recursive: true });
    await upgradeLayout({ folder: folders, drizzleKit: DRIZZLE_KIT_1 });
    const migrations = readMigrationFolder(folders).migrations.length;
    if (migrations !== readMigrationFolder(legacy).migrations.length) throw new Error("the layouts differ in size");
    await timeReads(legacy)();
    await timeReads(folders)();
    const [legacyRead, foldersRead] = await sideBySide(runs, [
      { label: `0.x layout, ${READS} reads`, run: timeReads(legacy) },
      { label: `1.0 layout, ${READS} reads`, run: timeReads(folders) },
    ]);
    if (!legacyRead || !foldersRead) throw new Error("no measurement");
    const ratio = Math.round((foldersRead.medianMs / legacyRead.medianMs) * 100) / 100;
    const bytes = (folder: string) =>
      readMigrationFolder(folder).migrations.reduce((sum, m) => sum + statSync(m.snapshotPath).size, 0);
    const snapshotBytes = { legacy: bytes(legacy), folders: bytes(folders) };
    return { migrations, readsPerSample: READS, legacy: legacyRead, folders: foldersRead, ratio, snapshotBytes };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Why the ratio is what it is: the snapshots' sizes, which the reader parses on every read. */
export function layoutNote(result: LayoutBenchResult): string {
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
  const { legacy, folders } = result.snapshotBytes;
  return `5. Drizzle Kit 1.0's snapshots of the same history are ${kb(folders)} against 0.x's ${kb(legacy)} (${Math.round((folders / legacy - 1) * 100)}% more JSON), and readMigrationFolder parses every snapshot on every read (db:migrate too, which never uses them).`;
}

export function layoutRows(result: LayoutBenchResult): BenchRow[] {
  return [
    {
      benchmark: `5. read the history (${result.migrations} migrations), 1.0 layout vs 0.x`,
      engine: "none (files)",
      ours: { label: result.folders.label, medianMs: result.folders.medianMs },
      baseline: { label: result.legacy.label, medianMs: result.legacy.medianMs },
      target: "≤ 1.1× the 0.x layout",
      result: `${result.ratio}× the 0.x layout`,
      met: result.ratio <= 1.1,
    },
  ];
}
