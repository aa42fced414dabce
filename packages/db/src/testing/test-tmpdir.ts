/**
 * Where the tests' temporary files go (TMPDIR, inherited by every worker and every command they
 * start): PGlite data directories, cloned histories, git repositories. When the user has not
 * chosen, a memory-backed /dev/shm with room to spare (2 GiB) instead of the disk. The work is the
 * same; an ext4 disk charged the suite about 35 s of kernel time in writes nobody reads back
 * (measured on the 2-core machine: 197 s for the whole suite, 177 s on /dev/shm). Where /dev/shm
 * is missing, read-only or small (a container's 64 MB), the system's temporary folder is used.
 * `vitest.config.ts` applies it to the test run, and `pnpm bench` to what it measures of a test
 * file's database, so both pay the same.
 */
import { accessSync, constants, statfsSync } from "node:fs";

const TMPFS_MAGIC = 0x01021994; // statfs(2)

/** The folder the tests use instead of the system's temporary folder, or undefined when TMPDIR is set or /dev/shm will not do. */
export function testTmpdir(): string | undefined {
  if (process.env["TMPDIR"]) return undefined;
  try {
    accessSync("/dev/shm", constants.W_OK);
    const { type, bavail, bsize } = statfsSync("/dev/shm");
    return type === TMPFS_MAGIC && bavail * bsize >= 2 * 1024 ** 3 ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
}
