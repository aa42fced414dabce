/**
 * `pnpm db:migrate`: validate the migrations folder, apply what is pending under an advisory lock
 * (one transaction per migration), verify. Options and exit codes: README, "Migrations".
 */
import { main, migrateCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(migrateCommand(trovella));
