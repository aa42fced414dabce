/** `pnpm db:status`: read-only; each migration's state in the database. */
import { main, statusCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(statusCommand(trovella));
