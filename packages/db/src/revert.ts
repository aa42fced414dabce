/** `pnpm db:revert [TAG]`: write a new migration that reverses TAG (default: the last one). */
import { main, revertCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(revertCommand(trovella));
