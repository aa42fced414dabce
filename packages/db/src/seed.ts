/** `pnpm db:seed [--tier NAME …]`: seed the database with the tiers for this environment (docs/seed-data.md). */
import { main, seedCommand } from "@repo/migrator";
import { trovella } from "./project.ts";
import { trovellaSeed } from "./seeds/seed-database.ts";

await main(seedCommand({ ...trovella, seed: trovellaSeed }));
