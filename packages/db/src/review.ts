/** `pnpm db:review [TAG…]`: review migrations against the rules in docs/review-rules.md. */
import { main, reviewCommand } from "@repo/migrator";
import { trovella } from "./project.ts";

await main(reviewCommand(trovella));
