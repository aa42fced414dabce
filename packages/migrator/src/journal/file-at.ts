/**
 * What is at a path the reader expects a file at (a migration's SQL, the journal): its bytes, or
 * what is there instead, in words for the issue that names it. A path that is not a readable file
 * is the folder's problem, to be listed with the others (exit 2), not an error thrown out of the
 * reader: a symlink loop or a file this user may not read says nothing about the database.
 */
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** The bytes of a file, or why the path holds none. */
export type FileAt =
  | { bytes: Buffer }
  | {
      /**
       * Whether nothing readable as a file is at the name (no such name, a symlink to nothing, a
       * directory), as opposed to a file that is there but cannot be read (a symlink loop, no
       * permission to read it).
       */
      missing: boolean;
      /** What is there, for a message: "no such file", "a symbolic link to …, which does not exist", … */
      reason: string;
      /** Where a broken symbolic link points (as written in the link: maybe relative to its folder). */
      linkTarget?: string;
    };

/** The words for {@link FileAt}'s `reason` when nothing at all is at the name. */
export const NO_SUCH_FILE = "no such file";

/**
 * Reads a file; one system call when it is one. Errors that say the path is not a readable file
 * become a reason; any other (out of file descriptors, an I/O error) is thrown, as it is no
 * property of the folder.
 */
export function readFileAt(path: string): FileAt {
  try {
    return { bytes: readFileSync(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    switch (code) {
      case "ENOENT":
      case "ENOTDIR": {
        const linkTarget = symlinkTarget(path);
        if (linkTarget === undefined) return { missing: true, reason: NO_SUCH_FILE };
        // A link to a link to nothing: the next link is there, its end is not.
        const end = existsAt(resolve(dirname(path), linkTarget)) ? "which leads to nothing" : "which does not exist";
        return { missing: true, reason: `a symbolic link to ${linkTarget}, ${end}`, linkTarget };
      }
      case "EISDIR":
        return { missing: true, reason: "a directory" };
      default: {
        const reason = unreadable(code);
        if (reason === undefined) throw error;
        return { missing: false, reason };
      }
    }
  }
}

/**
 * What a path is that is there but cannot be read, by the error reading it gave (a symlink loop,
 * no permission); undefined for an error that says nothing about the path.
 */
export function unreadable(code: string | undefined): string | undefined {
  switch (code) {
    case "ELOOP":
      return "a symlink loop (ELOOP: its links lead back round to themselves)";
    case "EACCES":
    case "EPERM":
      return `not readable by this user (${code}: permission denied)`;
    default:
      return undefined;
  }
}

/** Whether anything, even a broken symlink, is at the name. */
export function existsAt(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Where the symbolic link at the path points, as written in it; undefined when the path is no link. */
function symlinkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
