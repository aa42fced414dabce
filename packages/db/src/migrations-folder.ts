import { fileURLToPath } from "node:url";

/** Trovella's Drizzle Kit migrations folder (`packages/db/src/migrations`): the commands' default `--migrations`. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));
