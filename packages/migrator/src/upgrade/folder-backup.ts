/**
 * A copy of a folder taken before something rewrites it in place, and the way back: the folder
 * restored byte for byte, which is checked, not assumed.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";

/** Every file and folder under `dir`, relative, with each file's SHA-256: what "the same folder" means. */
export function folderManifest(dir: string): Map<string, string> {
  const manifest = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        manifest.set(`${relative(dir, path)}/`, "");
        walk(path);
      } else manifest.set(relative(dir, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  walk(dir);
  return manifest;
}

/** The paths where two manifests differ (present in one only, or with other bytes). */
export function manifestDifferences(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((path) => a.get(path) !== b.get(path)).sort();
}

/** A copy of a folder in a temporary directory. */
export interface FolderBackup {
  /** Where the copy is. */
  readonly copy: string;
  /**
   * Puts the folder back as it was when copied and checks it file by file; returns the paths that
   * still differ (empty when restored), and keeps the copy when any do.
   */
  restore(): string[];
  /** Deletes the copy. */
  discard(): void;
}

/**
 * Copies `folder` aside (with its manifest) before it is rewritten in place. A symbolic link to a
 * folder is followed: the folder it points at is copied and put back, and the link left alone.
 */
export function backUpFolder(linkOrFolder: string): FolderBackup {
  const folder = realpathSync(linkOrFolder);
  const parent = mkdtempSync(join(tmpdir(), "migrations-backup-"));
  const copy = join(parent, basename(folder));
  cpSync(folder, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  const before = folderManifest(folder);
  const discard = () => rmSync(parent, { recursive: true, force: true });
  return {
    copy,
    restore() {
      try {
        rmSync(folder, { recursive: true, force: true });
        cpSync(copy, folder, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      } catch (error) {
        // The copy stays: it is then the only whole one.
        return [`${folder} (${(error as Error).message})`];
      }
      const left = manifestDifferences(before, folderManifest(folder));
      if (left.length === 0) discard();
      return left;
    },
    discard,
  };
}
