/**
 * Loads the repository's root `.env` (if present) into `process.env`, without overriding what the
 * environment already sets. Imported first by every entry point of this package. Node's own
 * `process.loadEnvFile` (not the dotenv package: its import alone cost each command ~25 ms).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Loads `file` into `process.env` when it exists; a variable the environment already has keeps its value. */
export function loadEnvFileIfPresent(file: string): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

loadEnvFileIfPresent(fileURLToPath(new URL("../../../.env", import.meta.url)));
