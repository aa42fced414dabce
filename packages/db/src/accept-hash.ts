/**
 * `pnpm db:accept-hash <tag...>`: after a reviewed, deliberate edit of an applied migration,
 * record the file's new hash (like Flyway's repair). Prints each row's old and new hash.
 */
import { acceptHashCommand } from "@repo/migrator";
import { trovellaCommandDefaults } from "./migration-commands.ts";

await acceptHashCommand(trovellaCommandDefaults).parseAsync();
