/**
 * Trovella's defaults for the generic migration commands: its migrations folder, and a session on
 * `DATABASE_URL` or, when unset, the embedded PGlite database with pgvector loaded.
 */
import type { CommandDefaults } from "@repo/migrator";
import { connectionFromEnv, openDriver } from "./connection.ts";
import { MIGRATIONS_FOLDER } from "./migrations-folder.ts";

export const trovellaCommandDefaults: CommandDefaults = {
  migrationsFolder: MIGRATIONS_FOLDER,
  openDriver: () => openDriver(connectionFromEnv()),
};
