/**
 * The workspace installs two generations of Drizzle: 0.31 / 0.45 for @repo/db and the toolkit,
 * the 1.0 release candidates here. drizzle-kit imports drizzle-orm without declaring it, so unless
 * pnpm-workspace.yaml declares it, each kit finds whichever drizzle-orm pnpm hoisted, and a 0.31
 * that finds 1.0 does not load (CI once failed so). Each kit must link its own generation's.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { drizzleOrmOf, findDrizzleKit } from "../../migrator/src/snapshot/drizzle-kit-install.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const kits = {
  "the toolkit's": join(here, "../../migrator"),
  "@repo/db's": join(here, "../../db"),
  "this package's": here,
};

describe("each drizzle-kit in the workspace", () => {
  it.each(Object.entries(kits))("%s finds the drizzle-orm of its own generation, linked beside it", (_, from) => {
    const kit = findDrizzleKit(from);
    if (!kit) throw new Error(`no drizzle-kit from ${from}`);
    const orm = drizzleOrmOf(kit);
    expect(orm?.version.split(".")[0]).toBe(kit.version.split(".")[0]);
    // Declared (beside the kit in its pnpm folder), not the hoisted one pnpm chose.
    expect(orm?.dir).toBe(join(dirname(kit.dir), "drizzle-orm"));
  });
});
