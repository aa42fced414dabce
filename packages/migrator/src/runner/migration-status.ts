import type { Driver } from "../drivers/driver.ts";
import type { MigrationFolder } from "../journal/migration-folder.ts";
import { readAppliedRows } from "./bookkeeping.ts";
import { compareHistory, type HistoryState } from "./history-state.ts";

/** Each migration's state in the database (read-only: a READ ONLY transaction, no lock taken). */
export async function migrationStatus(driver: Driver, folder: MigrationFolder): Promise<HistoryState> {
  await driver.exec("BEGIN TRANSACTION READ ONLY");
  try {
    return compareHistory(folder, await readAppliedRows(driver));
  } finally {
    await driver.exec("COMMIT");
  }
}
