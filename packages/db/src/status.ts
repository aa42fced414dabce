/** `pnpm db:status [--migrations DIR] [--json]`: read-only; each migration's state in the database. */
import { statusCommand } from "@repo/migrator";
import { trovellaCommandDefaults } from "./migration-commands.ts";

await statusCommand(trovellaCommandDefaults).parseAsync();
