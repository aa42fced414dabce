/**
 * Benchmark 6: reading Trovella's history in Drizzle Kit 1.0's layout (one folder per migration,
 * format-8 snapshots, as `drizzle-kit up` of the pinned 1.0 release candidate writes it) against
 * the same history in 0.x's layout, with the one reader every command starts with
 * (`readMigrationFolder`: SQL, hashes, every check; snapshots only checked to exist), and with
 * every snapshot parsed and checked as well (`folderSnapshotWarnings`: what db:review, db:revert
 * and db:rebase add). Files only, no database. The 1.0 copy is made by `upgradeLayout` with the
 * Drizzle Kit 1.0 of `packages/drizzle-next` (test-only).
 */
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { folderSnapshotWarnings, readMigrationFolder, upgradeLayout } from "@repo/migrator";
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
  /** The same with every snapshot parsed (what the commands that diff snapshots read). */
  withSnapshots: { legacy: Measurement; folders: Measurement; ratio: number };
  /** The bytes of all snapshots in each layout. */
  snapshotBytes: { legacy: number; folders: number };
}

function timeReads(folder: string, snapshots = false): () => Promise<number> {
  return async () => {
    const started = performance.now();
    for (let i = 0; i < READS; i++) {
      const read = readMigrationFolder(folder);
      if (snapshots) folderSnapshotWarnings(read);
    }
    return performance.now() - started;
  };
}

const ratioOf = (ours: Measurement, baseline: Measurement) =>
  Math.round((ours.medianMs / baseline.medianMs) * 100) / 100;

/** Runs benchmark 6, or says why it cannot (no Drizzle Kit 1.0 installed for the conversion). */
export async function benchLayout(runs: number): Promise<LayoutBenchResult | string> {
  if (!existsSync(join(DRIZZLE_KIT_1, "package.json")))
    return `6. not measured: no Drizzle Kit 1.0 at ${DRIZZLE_KIT_1} to convert the history with (pnpm install)`;
  const root = mkdtempSync(join(tmpdir(), "trovella-bench-layout-"));
  try {
    const legacy = join(root, "legacy");
    const folders = join(root, "folders");
    cpSync(MIGRATIONS_FOLDER, legacy, { recursive: true });
    cpSync(MIGRATIONS_FOLDER, folders, { recursive: true });
    await upgradeLayout({ folder: folders, drizzleKit: DRIZZLE_KIT_1 });
    const migrations = readMigrationFolder(folders).migrations.length;
    if (migrations !== readMigrationFolder(legacy).migrations.length) throw new Error("the layouts differ in size");
    await timeReads(legacy, true)();
    await timeReads(folders, true)();
    const [legacyRead, foldersRead, legacyFull, foldersFull] = await sideBySide(runs, [
      { label: `0.x layout, ${READS} reads`, run: timeReads(legacy) },
      { label: `1.0 layout, ${READS} reads`, run: timeReads(folders) },
      { label: `0.x layout, ${READS} reads with snapshots`, run: timeReads(legacy, true) },
      { label: `1.0 layout, ${READS} reads with snapshots`, run: timeReads(folders, true) },
    ]);
    if (!legacyRead || !foldersRead || !legacyFull || !foldersFull) throw new Error("no measurement");
    const ratio = ratioOf(foldersRead, legacyRead);
    const withSnapshots = { legacy: legacyFull, folders: foldersFull, ratio: ratioOf(foldersFull, legacyFull) };
    const bytes = (folder: string) =>
      readMigrationFolder(folder).migrations.reduce((sum, m) => sum + statSync(m.snapshotPath).size, 0);
    const snapshotBytes = { legacy: bytes(legacy), folders: bytes(folders) };
    return {
      migrations,
      readsPerSample: READS,
      legacy: legacyRead,
      folders: foldersRead,
      ratio,
      withSnapshots,
      snapshotBytes,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** What the two ratios mean: snapshots are parsed only by the commands that diff them, and 1.0's are larger. */
export function layoutNote(result: LayoutBenchResult): string {
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
  const { legacy, folders } = result.snapshotBytes;
  return `6. readMigrationFolder parses no snapshot (db:migrate, status, verify never use them); with every snapshot parsed, as db:review, db:revert and db:rebase do, the 1.0 layout costs ${result.withSnapshots.ratio}×: its snapshots of the same history are ${kb(folders)} against 0.x's ${kb(legacy)} (${Math.round((folders / legacy - 1) * 100)}% more JSON).`;
}

export function layoutRows(result: LayoutBenchResult): BenchRow[] {
  return [
    {
      benchmark: `6. read the history (${result.migrations} migrations), 1.0 layout vs 0.x`,
      engine: "none (files)",
      ours: { label: result.folders.label, medianMs: result.folders.medianMs },
      baseline: { label: result.legacy.label, medianMs: result.legacy.medianMs },
      target: "≤ 1.1× the 0.x layout",
      result: `${result.ratio}× the 0.x layout`,
      met: result.ratio <= 1.1,
    },
    {
      benchmark: `6. read the history and parse every snapshot, 1.0 layout vs 0.x`,
      engine: "none (files)",
      ours: { label: result.withSnapshots.folders.label, medianMs: result.withSnapshots.folders.medianMs },
      baseline: { label: result.withSnapshots.legacy.label, medianMs: result.withSnapshots.legacy.medianMs },
      target: "(no target: reported)",
      result: `${result.withSnapshots.ratio}× the 0.x layout`,
      met: null,
    },
  ];
}
