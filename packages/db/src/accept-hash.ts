/** `pnpm db:accept-hash <tag...>`: record the new hash of a reviewed, deliberate edit of an applied migration. */
import { acceptHashCommand, main } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(acceptHashCommand(trovella));
