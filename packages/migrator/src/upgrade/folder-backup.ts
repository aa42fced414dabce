/**
 * A copy of a folder taken before something rewrites it in place, and the way back: the folder
 * restored byte for byte, in place (the folder itself, and so its owner and a shell standing in it,
 * stay), each entry given back its owner, which is checked, not assumed.
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";

/**
 * Every file, folder and symbolic link under `dir`, relative, with each file's SHA-256 and each
 * link's target (a link is not followed: one to nowhere is an entry like any other): what "the
 * same folder" means.
 */
export function folderManifest(dir: string): Map<string, string> {
  const manifest = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) manifest.set(relative(dir, path), `link → ${readlinkSync(path)}`);
      else if (entry.isDirectory()) {
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

/** The owner (`uid:gid`) of `dir` and of everything under it, by relative path (`.` the folder). */
function owners(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (path: string) => {
    const stat = lstatSync(path);
    found.set(relative(dir, path) || ".", `${stat.uid}:${stat.gid}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

/** A copy of a folder in a temporary directory. */
export interface FolderBackup {
  /** Where the copy is. */
  readonly copy: string;
  /**
   * Puts the folder back as it was when copied, in place, and checks it entry by entry, owners
   * included; returns the paths that still differ (empty when restored), and keeps the copy when
   * any do.
   */
  restore(): string[];
  /** Deletes the copy. */
  discard(): void;
}

/**
 * Copies `folder` aside (with its manifest and owners) before it is rewritten in place. A symbolic
 * link to a folder is followed: the folder it points at is copied and put back, and the link left
 * alone. Throws `folder-invalid` (exit 2), naming the entry, when the folder cannot be read whole;
 * no copy is left then.
 */
export function backUpFolder(linkOrFolder: string): FolderBackup {
  const folder = realpathSync(linkOrFolder);
  const parent = mkdtempSync(join(tmpdir(), "migrations-backup-"));
  const copy = join(parent, basename(folder));
  const discard = () => rmSync(parent, { recursive: true, force: true });
  let before: Map<string, string>;
  let owned: Map<string, string>;
  try {
    cpSync(folder, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    before = folderManifest(folder);
    owned = owners(folder);
  } catch (error) {
    discard();
    throw new MigratorError(
      "folder-invalid",
      `${folder} cannot be copied aside before it is converted: ${(error as Error).message}`,
      "make every file of the folder readable (or remove what is not the history's), then run again; nothing was changed",
    );
  }
  return {
    copy,
    restore() {
      try {
        if (existsSync(folder))
          for (const name of readdirSync(folder)) rmSync(join(folder, name), { recursive: true, force: true });
        cpSync(copy, folder, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        for (const [path, owner] of owned) {
          const [uid, gid] = owner.split(":").map(Number);
          // Only a superuser can give a file away; anyone else restored only files it owns.
          if (process.getuid?.() === 0) lchownSync(join(folder, path), uid ?? 0, gid ?? 0);
        }
      } catch (error) {
        // The copy stays: it is then the only whole one.
        return [`${folder} (${(error as Error).message})`];
      }
      const after = owners(folder);
      const left = [
        ...manifestDifferences(before, folderManifest(folder)),
        ...[...owned].filter(([path, owner]) => after.get(path) !== owner).map(([path]) => `${path} (owner)`),
      ];
      if (left.length === 0) discard();
      return left;
    },
    discard,
  };
}
