/**
 * Where the toolkit's own tests keep the empty PGlite data directory (`openEmptyPglite`'s
 * `cacheDir`): one initdb per machine and PGlite version, shared by every test file and run,
 * instead of one per worker or per test.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The shared cache folder, under the temp folder the test run uses. */
export const TEST_PGLITE_CACHE = join(tmpdir(), "migrator-test-pglite-empty");
