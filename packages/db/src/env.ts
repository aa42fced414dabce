/**
 * Loads the repository's root `.env` (if present) into `process.env`, without overriding what the
 * environment already sets. Imported first by every entry point of this package.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { config } from "dotenv";

const rootEnv = fileURLToPath(new URL("../../../.env", import.meta.url));
if (existsSync(rootEnv)) config({ path: rootEnv, quiet: true });
