/**
 * Drizzle Kit's own differ: the SQL it generates to go from one snapshot to another, by the Drizzle
 * Kit of the snapshots' format. Format 7 (0.x) goes to `drizzle-kit/api` of a Drizzle Kit 0.x,
 * format 8 (1.0) to `drizzle-kit/api-postgres` of a Drizzle Kit 1.0 (a format-7 side, such as the
 * empty snapshot the first migration is diffed from, is converted with that kit's `up` first). The
 * kit is looked for where the migrations folder is (when the caller names it), then where the
 * command runs, then in the toolkit's own dependencies. The one place the toolkit loads Drizzle
 * Kit: lazily, since the import costs about a second that db:migrate on every deploy would
 * otherwise pay.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DrizzleKitInstall, drizzleOrmOf, findDrizzleKit } from "./drizzle-kit-install.ts";
import { entityKey, snapshotEntities, withEntities } from "./snapshot-entities.ts";
import { renameAmbiguities } from "./snapshot-objects.ts";
import { type Snapshot, snapshotVersion } from "./snapshot.ts";
import { SnapshotDiffError } from "./snapshot-diff-error.ts";
import { errorMessage } from "../errors/error-message.ts";

export { SnapshotDiffError } from "./snapshot-diff-error.ts";

/** The part of `drizzle-kit/api` (0.x) and `drizzle-kit/api-postgres` (1.0) the toolkit calls. */
interface DifferModule {
  generateMigration(previous: unknown, current: unknown): Promise<string[]>;
  /** 1.0 only: a format-7 snapshot as format 8. */
  up?(snapshot: unknown): { snapshot: Snapshot };
}

export interface DiffOptions {
  /** The migrations folder the snapshots come from: its project's Drizzle Kit is preferred. */
  folder?: string;
  /** Told how long loading Drizzle Kit took, when this call loaded it (`db:review --timings`). */
  onLoad?: (ms: number) => void;
  /**
   * Whether nothing was renamed between the two snapshots, when the caller knows (a revert knows
   * it from the migration it reverses); by default, what `current` records.
   */
  noRenames?: boolean;
}

const TOOLKIT_DIR = fileURLToPath(new URL(".", import.meta.url));

const loaded = new Map<string, DifferModule>();

/**
 * The statements of each loaded differ's last diffs in this process, by both snapshots' contents:
 * the differ is a pure function of them, and takes 10–80 ms a pair. A long-lived process (the test
 * suite) diffs the same pairs again and again.
 */
const generated = new WeakMap<DifferModule, Map<string, readonly string[]>>();
const GENERATED_KEPT = 512;

const ENTRY = { "0.x": "drizzle-kit/api", "1.0": "drizzle-kit/api-postgres" } as const;

/** Where the differ is looked for, in order. */
function differPlaces(options: DiffOptions): { what: string; dir: string }[] {
  return [
    ...(options.folder ? [{ what: "the migrations folder's project", dir: options.folder }] : []),
    { what: "the directory the command runs in", dir: process.cwd() },
    { what: "the toolkit", dir: TOOLKIT_DIR },
  ];
}

/**
 * The Drizzle Kits {@link diffSnapshots} would choose from (folder and version of each, in
 * order) and the drizzle-orm each would load, without loading any: what its output depends on
 * besides the two snapshots (a kit that finds no drizzle-orm, or one of another generation, fails).
 */
export function differInstalls(options: Omit<DiffOptions, "onLoad"> = {}): string {
  return JSON.stringify(
    differPlaces(options).map((place) => {
      const kit = findDrizzleKit(place.dir);
      return kit ? { ...kit, orm: drizzleOrmOf(kit) ?? null } : null;
    }),
  );
}

/**
 * The differ of the given generation, from the first place that has one; `differ-missing` when none
 * does, `differ-unloadable` when the one found throws as it loads.
 */
async function differ(generation: "0.x" | "1.0", options: DiffOptions): Promise<DifferModule> {
  const places = differPlaces(options);
  const seen: { what: string; dir: string; kit: DrizzleKitInstall | undefined }[] = [];
  for (const place of places) {
    const kit = findDrizzleKit(place.dir);
    seen.push({ ...place, kit });
    if (kit?.generation !== generation) continue;
    const cached = loaded.get(kit.dir);
    if (cached) return cached;
    // The toolkit's own Drizzle Kit (a dependency, 0.x) by a plain import; a project's by its folder.
    const started = performance.now();
    let module: DifferModule;
    try {
      module =
        place.dir === TOOLKIT_DIR && generation === "0.x"
          ? ((await import("drizzle-kit/api")) as DifferModule)
          : (createRequire(join(kit.dir, "package.json"))(ENTRY[generation]) as DifferModule);
    } catch (error) {
      throw unloadable(kit, error);
    }
    options.onLoad?.(performance.now() - started);
    loaded.set(kit.dir, module);
    return module;
  }
  const format = generation === "1.0" ? "Drizzle Kit 1.0's (format 8)" : "Drizzle Kit 0.x's (format 7)";
  const found = seen.map((s) => `${s.what} (${s.dir}): ${s.kit ? `drizzle-kit ${s.kit.version}` : "none"}`);
  throw new SnapshotDiffError(
    `these snapshots are ${format}: diffing them takes drizzle-kit ${generation} (${ENTRY[generation]}), and none is installed; found ${found.join("; ")}`,
    "differ-missing",
    [],
    `install the drizzle-kit ${generation} that wrote the snapshots in the project that holds the migrations folder (e.g. pnpm add -D drizzle-kit@<that version>), and run the command from there`,
  );
}

/** Why `kit`'s differ threw as it loaded, naming the drizzle-orm it found, and how to give it its own. */
function unloadable(kit: DrizzleKitInstall, error: unknown): SnapshotDiffError {
  const orm = drizzleOrmOf(kit)?.version;
  const kitMajor = kit.version.split(".")[0] ?? "0";
  const found =
    orm === undefined
      ? "it finds no drizzle-orm"
      : orm.split(".")[0] === kitMajor
        ? `it finds drizzle-orm ${orm}`
        : `it finds drizzle-orm ${orm}, not the ${kitMajor}.x drizzle-orm that drizzle-kit ${kit.version} goes with`;
  return new SnapshotDiffError(
    `drizzle-kit ${kit.version} (${kit.dir}) does not load: ${errorMessage(error)}; ${found}`,
    "differ-unloadable",
    [],
    `install the ${kitMajor}.x drizzle-orm where that drizzle-kit finds it. drizzle-kit imports drizzle-orm without declaring it, so with two drizzle-orm versions in one pnpm workspace declare it in pnpm-workspace.yaml (packageExtensions: { "drizzle-kit@${kitMajor}": { peerDependencies: { drizzle-orm: "${kitMajor}" } } }) and run pnpm install`,
  );
}

/**
 * Whether Drizzle Kit 1.0 recorded no rename in `current`: its snapshots list the renames the
 * developer chose when asked (`renames`), so an empty list means every object that went was
 * dropped and every one that came was created (and a history converted from 0.x has none).
 */
export function recordsNoRename(current: Snapshot): boolean {
  const renames = (current as { renames?: unknown }).renames;
  return snapshotVersion(current) === "8" && Array.isArray(renames) && renames.length === 0;
}

/** `previous` without what `current` no longer has: diffing through it gives the drops, then the rest, and neither half can be a rename. */
function withoutDropped(previous: Snapshot, current: Snapshot): Snapshot {
  const kept = new Set(snapshotEntities(current).map(entityKey));
  return withEntities(
    previous,
    snapshotEntities(previous).filter((entity) => kept.has(entityKey(entity))),
  );
}

/**
 * What two snapshots are, for the statements kept in memory: a hash of both as JSON (about 0.4 ms
 * for a pair of 95 KB snapshots, against 10 ms and more for the diff). Undefined for a snapshot
 * built in code that JSON cannot hold: it is diffed every time.
 */
function pairKey(previous: Snapshot, current: Snapshot): string | undefined {
  try {
    return createHash("sha256")
      .update(`${JSON.stringify(previous)}\0${JSON.stringify(current)}`)
      .digest("hex");
  } catch {
    return undefined;
  }
}

/**
 * The statements Drizzle Kit generates from `previous` to `current`, by the Drizzle Kit of their
 * format. Throws `SnapshotDiffError` instead of letting the differ prompt (it needs a terminal to
 * ask about renames, and without one throws), when the needed Drizzle Kit is not installed, for a
 * snapshot format the toolkit does not read, or when the differ fails. Where Drizzle Kit 1.0
 * would ask but its snapshot records the answer (no rename), that answer is used: the drops are
 * diffed first, then the rest.
 *
 * @example await diffSnapshots(migrations[7].snapshot, migrations[8].snapshot, { folder }) // ['ALTER TABLE …']
 */
export async function diffSnapshots(
  previous: Snapshot,
  current: Snapshot,
  options: DiffOptions = {},
): Promise<string[]> {
  const ambiguities = renameAmbiguities(previous, current);
  if (ambiguities.length > 0 && (options.noRenames ?? recordsNoRename(current))) {
    const middle = withoutDropped(previous, current);
    return [...(await diffSnapshots(previous, middle, options)), ...(await diffSnapshots(middle, current, options))];
  }
  if (ambiguities.length > 0) {
    throw new SnapshotDiffError(
      `Drizzle Kit cannot tell a rename from a drop and a create without asking (${ambiguities.join("; ")})`,
      "ambiguous-rename",
      ambiguities,
    );
  }
  const oneZero = snapshotVersion(previous) === "8" || snapshotVersion(current) === "8";
  const kit = await differ(oneZero ? "1.0" : "0.x", options);
  let diffs = generated.get(kit);
  if (!diffs) generated.set(kit, (diffs = new Map()));
  const key = pairKey(previous, current);
  const known = key === undefined ? undefined : diffs.get(key);
  if (known) return [...known];
  try {
    const [from, to] = [previous, current].map((s) =>
      oneZero && snapshotVersion(s) === "7" && kit.up ? kit.up(s).snapshot : s,
    );
    const statements = await kit.generateMigration(from, to);
    if (key !== undefined) {
      if (diffs.size >= GENERATED_KEPT) diffs.delete(diffs.keys().next().value!);
      diffs.set(key, [...statements]);
    }
    return statements;
  } catch (error) {
    throw new SnapshotDiffError(`Drizzle Kit's differ failed: ${errorMessage(error)}`, "differ-failed");
  }
}
