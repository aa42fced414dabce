/**
 * The RLS coverage of a live database as data and as the text or JSON the rls command prints, so
 * tests can check the report of any database and the command only prints it and picks the exit code.
 */
import type { Driver } from "../drivers/driver.ts";
import { probeRlsCatalog } from "./catalog-probe.ts";
import { buildCoverageMatrix, type CoverageMatrix } from "./coverage-matrix.ts";
import { formatCoverageMatrix } from "./format-coverage-matrix.ts";
import type { RlsConfig } from "./rls-config.ts";

/** The report: the matrix and its rendering (text or JSON). */
export interface CoverageReport {
  matrix: CoverageMatrix;
  output: string;
}

/** Reads the catalog and renders the coverage matrix; `matrix.ok` is false when tenants are not isolated. */
export async function coverageReport(
  driver: Driver,
  config: RlsConfig,
  options: { json?: boolean } = {},
): Promise<CoverageReport> {
  const matrix = buildCoverageMatrix(await probeRlsCatalog(driver, config));
  const output = options.json
    ? JSON.stringify({ target: driver.target, ...matrix }, null, 2)
    : `Database: ${driver.target}\n${formatCoverageMatrix(matrix)}`;
  return { matrix, output };
}
