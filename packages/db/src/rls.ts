/** `pnpm db:rls`: the Row-Level Security coverage matrix of the live database; exit 1 when tenants are not isolated. */
import { main, rlsCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(rlsCommand(trovella));
