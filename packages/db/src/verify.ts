/**
 * `pnpm db:verify [--migrations DIR] [--json]`: CI's independent, read-only check that the applied
 * migrations equal the journal by count and by hash. Exit 0 only on a full match.
 */
import { verifyCommand } from "@repo/migrator";
import { trovellaCommandDefaults } from "./migration-commands.ts";

await verifyCommand(trovellaCommandDefaults).parseAsync();
