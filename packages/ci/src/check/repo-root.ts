import { fileURLToPath } from "node:url";

/** The repository root (two folders above `packages/ci`), where the root scripts and configs live. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
