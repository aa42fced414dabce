/** `pnpm db:upgrade-layout`: convert the migrations folder to Drizzle Kit 1.0's layout with the project's drizzle-kit up, and check it. */
import { main, upgradeLayoutCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(upgradeLayoutCommand(trovella));
