/**
 * What an RLS coverage command shows and which exit code it ends with, as data, so that the
 * command only prints and exits and tests can check the report of any database.
 */
import type { Driver } from "../drivers/driver.ts";
import { probeRlsCatalog } from "./catalog-probe.ts";
import { buildCoverageMatrix, type CoverageMatrix } from "./coverage-matrix.ts";
import { formatCoverageMatrix } from "./format-coverage-matrix.ts";
import type { RlsConfig } from "./rls-config.ts";

/** Exit codes of an RLS coverage command. */
export const RLS_EXIT = { covered: 0, notIsolated: 1, failed: 2 } as const;

/** The report: the matrix, its rendering (text or JSON) and the exit code. */
export interface CoverageReport {
  matrix: CoverageMatrix;
  output: string;
  exitCode: (typeof RLS_EXIT)[keyof typeof RLS_EXIT];
}

/** Reads the catalog and renders the coverage matrix; exit code 1 when tenants are not isolated. */
export async function coverageReport(
  driver: Driver,
  config: RlsConfig,
  options: { json?: boolean } = {},
): Promise<CoverageReport> {
  const matrix = buildCoverageMatrix(await probeRlsCatalog(driver, config));
  const output = options.json
    ? JSON.stringify({ target: driver.target, ...matrix }, null, 2)
    : `Database: ${driver.target}\n${formatCoverageMatrix(matrix)}`;
  return { matrix, output, exitCode: matrix.ok ? RLS_EXIT.covered : RLS_EXIT.notIsolated };
}
