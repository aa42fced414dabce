/** `pnpm db:rebase [--onto REF]`: move this branch's new migrations after the base branch's last one. */
import { main, rebaseCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(rebaseCommand(trovella));
