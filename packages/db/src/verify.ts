/** `pnpm db:verify`: CI's independent, read-only check that the applied migrations equal the journal. */
import { main, verifyCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(verifyCommand(trovella));
