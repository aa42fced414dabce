/**
 * `pnpm db:migrate [--migrations DIR] [--json] [--allow-out-of-order] [--lock-timeout MS] …`:
 * validate the migrations folder, log `Migration state: N applied, M expected, P pending`, apply
 * what is pending under an advisory lock (one transaction per migration), verify. See the README.
 */
import { migrateCommand } from "@repo/migrator";
import { trovellaCommandDefaults } from "./migration-commands.ts";

await migrateCommand(trovellaCommandDefaults).parseAsync();
