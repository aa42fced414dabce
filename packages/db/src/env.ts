/**
 * Loads the repository's root `.env` (if present) into `process.env`, without overriding what the
 * environment already sets. Imported first by every entry point of this package. Node's own
 * `process.loadEnvFile` (not the dotenv package: its import alone cost each command ~25 ms).
 */
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Loads `file` into `process.env` when it exists; a variable the environment already has keeps its
 * value. A `.env` that cannot be read (a folder, no permission) is reported as a process warning
 * naming it, and the command goes on with the environment as it is.
 */
export function loadEnvFileIfPresent(file: string): void {
  if (!existsSync(file)) return;
  try {
    if (!statSync(file).isFile()) throw new Error("it is not a file");
    process.loadEnvFile(file);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    process.emitWarning(`${file} was not loaded (${why}): its variables are not set; fix or remove the file`, {
      code: "ENV_FILE_UNREADABLE",
    });
  }
}

loadEnvFileIfPresent(fileURLToPath(new URL("../../../.env", import.meta.url)));
