/**
 * What the review keeps of a history between runs, in the review cache (`review-cache.ts`), and
 * how it finds out what is still valid. Everything is keyed by content:
 *
 * - a migration's findings by its own bytes, tag and path, Drizzle Kit's input for it (both
 *   snapshots' bytes and the Drizzle Kit) and the config. They also depend on the schema every
 *   earlier migration built, so they are reused only for the unchanged start of the history: up
 *   to the first migration whose key differs from the last run's at the same position. Editing
 *   a migration re-reviews it and every later one;
 * - the replayed schema after a migration by a chain of hashes over every path and text up to it
 *   (the state records where each name was declared), kept after the last migration and after the
 *   one before it: where the next run starts when a migration is appended or the last one is
 *   edited again. States are shared by every history in the cache, so only the chain, never a
 *   position, says which one a state belongs to;
 * - a migration's parse tree by its text, used only while the routines and prepared queries of
 *   earlier migrations it looked up (a call of one reads its body into the tree, an `EXECUTE` its
 *   query) are still the ones it found: editing a routine's body parses again the later
 *   migrations that call it;
 * - Drizzle Kit's statements by the differ's input.
 *
 * The findings, Drizzle Kit's statements and the name of the parse trees' pack are written as one
 * record per folder and config (a few files per run instead of one per migration: creating
 * thousands of small files is what a first run would otherwise wait for); every entry in it still
 * carries its key and is used only where the key matches.
 */
import type { ReviewConfig } from "./config.ts";
import type { Finding, Severity } from "./finding.ts";
import type { ReviewCache } from "./review-cache.ts";
import type { GeneratedStatements, MigrationSource } from "./migration-source.ts";
import { ruleById } from "./rules/index.ts";
import { SchemaState, type SchemaStateJson } from "./schema-state.ts";
import {
  type EarlierRoutine,
  type ParsedMigration,
  type ParsedStatementsJson,
  parsedStatementsJson,
  restoreMigration,
} from "../sql/parse-migration.ts";

/** A finding without what its migration and rule give back: line, column, rule, severity, message, fingerprint. */
type StoredFinding = [number, number, string, Severity, string, string];

/** One run's record of a history. */
interface RunRecord {
  /** Per migration in order: its findings key and findings. */
  migrations: [string, StoredFinding[]][];
  /** Drizzle Kit's statements by the differ's input. */
  differ: [string, GeneratedStatements][];
  /** The pack of parse trees of the last run that parsed the whole history: its key and the text keys it holds. */
  parsePack?: { key: string; texts: string[] };
}

/**
 * A parse tree, and the earlier migrations' routines it looked up (`[name, digest of its
 * overloads]`); without `earlier`, it was read when there were none (it looked none up). Likewise
 * their prepared queries (`[name, the PREPARE's text, or null for none]`).
 */
type PackedTree = ParsedStatementsJson & { earlier?: [string, string][]; prepared?: [string, string | null][] };

/** What the earlier migrations left that a migration's parse reads: their routines and prepared queries, by name. */
interface EarlierObjects {
  routines: ReadonlyMap<string, readonly EarlierRoutine[]>;
  prepared: ReadonlyMap<string, string>;
}

type ParsePack = Record<string, PackedTree>;

/** One history's view of the review cache: what it can reuse, and what this run adds. */
export class HistoryCache {
  readonly #cache: ReviewCache;
  readonly #sources: readonly MigrationSource[];
  readonly #recordKey: string;
  /** Per migration: its findings key, and the key of the state after it. */
  readonly #findingKeys: string[] = [];
  readonly #stateKeys: string[] = [];
  readonly #textKeys: string[] = [];
  readonly #record: RunRecord | undefined;
  readonly #findings: (StoredFinding[] | undefined)[] = [];
  readonly #differ = new Map<string, GeneratedStatements>();
  readonly #states = new Map<number, SchemaState>();
  readonly #trees = new Map<string, PackedTree>();
  #pack: ParsePack | undefined;
  #packTexts: { key: string; texts: Set<string> } | undefined;
  #changed = false;

  /**
   * `scope` names the history (its folder): each scope and config has one record, rewritten by
   * each run (another folder, or the same one under another config, keeps its own).
   */
  constructor(cache: ReviewCache, sources: readonly MigrationSource[], config: ReviewConfig, scope: string) {
    this.#cache = cache;
    this.#sources = sources;
    // `acceptedEdits` concerns `--base` only, which the cache does not serve.
    const { acceptedEdits: _accepted, ...settings } = config;
    const configKey = JSON.stringify(settings);
    this.#recordKey = cache.key("run", scope, configKey);
    let chain = "";
    for (const source of sources) {
      const textKey = cache.key("parse", source.text);
      const generated = source.differ
        ? `differ ${source.differ.key()}`
        : JSON.stringify([source.generated ?? null, source.generatedError ?? null]);
      this.#textKeys.push(textKey);
      this.#findingKeys.push(cache.key("findings", configKey, source.tag, source.file, textKey, generated));
      chain = cache.key("state", chain, source.file, textKey);
      this.#stateKeys.push(chain);
    }
    this.#record = cache.read<RunRecord>("run", this.#recordKey);
    for (const [key, generated] of this.#record?.differ ?? []) this.#differ.set(key, generated);
  }

  /** The findings of the longest unchanged prefix of the history, per migration. */
  unchangedFindings(): Finding[][] {
    const stored = this.#record?.migrations ?? [];
    const findings: Finding[][] = [];
    for (const [index, source] of this.#sources.entries()) {
      const entry = stored[index];
      if (!entry || entry[0] !== this.#findingKeys[index]) break;
      this.#findings[index] = entry[1];
      findings.push(entry[1].map((finding) => expand(source.file, finding)));
    }
    return findings;
  }

  /** The latest cached state at or before the state before migration `first`: the state, and the migration it comes before. */
  stateBefore(first: number): { state: SchemaState; next: number } | undefined {
    for (let next = first; next > 0; next--) {
      const json = this.#cache.read<SchemaStateJson>("state", this.#stateKeys[next - 1] ?? "");
      if (!json) continue;
      const state = SchemaState.fromJSON(json);
      this.#states.set(next - 1, state);
      return { state, next };
    }
    return undefined;
  }

  /**
   * The migration's parse tree from the last run that parsed the whole history, if its text was in
   * it and the earlier routines and prepared queries it looked up are still as it found them in
   * `earlier` (the schema's).
   */
  parsed(index: number, earlier: EarlierObjects): ParsedMigration | undefined {
    const source = this.#sources[index];
    const key = this.#textKeys[index];
    if (!source || !key) return undefined;
    // The last run's pack; without a record (another config), the pack of exactly these texts.
    if (!this.#packTexts) {
      const pack = this.#record?.parsePack ?? { key: this.#packKey(), texts: this.#textKeys };
      this.#packTexts = { key: pack.key, texts: new Set(pack.texts) };
    }
    // The pack is read only for a text it holds (an edited migration's new text is not in it).
    if (!this.#packTexts.texts.has(key)) return undefined;
    this.#pack ??= this.#cache.read<ParsePack>("parse", this.#packTexts.key) ?? {};
    const tree = this.#pack[key];
    if (!tree) return undefined;
    const staleRoutines = tree.earlier
      ? tree.earlier.some(([name, digest]) => this.#routinesDigest(earlier.routines.get(name)) !== digest)
      : earlier.routines.size > 0;
    const stalePrepared = tree.prepared
      ? tree.prepared.some(([name, text]) => (earlier.prepared.get(name) ?? null) !== text)
      : earlier.prepared.size > 0;
    if (staleRoutines || stalePrepared) return undefined;
    this.#trees.set(key, tree);
    return restoreMigration(source.tag, source.file, source.text, tree);
  }

  /** The key of the pack of exactly this history's parse trees. */
  #packKey(): string {
    return this.#cache.key("parse", ...this.#textKeys);
  }

  /**
   * Keeps a parse tree for the next run's pack, with what it looked up of `earlier`, the routines
   * and prepared queries it was read with.
   */
  keepParsed(index: number, migration: ParsedMigration, earlier: EarlierObjects): void {
    const key = this.#textKeys[index];
    if (!key) return;
    const tree: PackedTree = parsedStatementsJson(migration);
    // With no earlier routines the parse looks nothing up: the tree holds while there are none.
    if (earlier.routines.size > 0) {
      tree.earlier = [...(migration.earlierLookups ?? [])].map(([name, overloads]) => [
        name,
        this.#routinesDigest(overloads),
      ]);
    }
    if (earlier.prepared.size > 0) {
      tree.prepared = [...(migration.earlierPreparedLookups ?? [])].map(([name, text]) => [name, text ?? null]);
    }
    this.#trees.set(key, tree);
  }

  /** What identifies a name's overloads for a parse tree: each one's schema, signature, text and place; empty for none. */
  #routinesDigest(overloads: readonly EarlierRoutine[] = []): string {
    if (overloads.length === 0) return "";
    const parts = overloads.flatMap((routine) => [
      routine.schema,
      routine.signature,
      routine.text,
      routine.createdIn,
      `${routine.line}`,
    ]);
    return this.#cache.key("routines", ...parts);
  }

  /** Drizzle Kit's statements for the differ input `key`, when a run computed them. */
  generated(key: string): GeneratedStatements | undefined {
    return this.#differ.get(key);
  }

  keepGenerated(key: string, generated: GeneratedStatements): void {
    this.#differ.set(key, generated);
    this.#changed = true;
  }

  keepFindings(index: number, findings: readonly Finding[]): void {
    this.#findings[index] = findings.map((f) => [f.line, f.column, f.rule, f.severity, f.message, f.fingerprint]);
    this.#changed = true;
  }

  /** Keeps the state after migration `index` (a state this run made, not one it read). */
  keepState(index: number, state: SchemaState): void {
    if (this.#states.has(index)) return;
    this.#states.set(index, state);
    this.#cache.write("state", this.#stateKeys[index] ?? "", state.toJSON());
  }

  /** Whether this run has anything to write: a changed finding or differ result, or no record yet. */
  hasNews(): boolean {
    return this.#changed || !this.#record;
  }

  /**
   * Writes the record (when anything changed), and a new pack of parse trees when this run saw
   * the tree of every migration and parsed some (a run that parsed only the edited migrations
   * keeps pointing at the last pack, which still holds every other tree).
   */
  save(parsedAny: boolean): void {
    if (!this.hasNews()) return;
    const migrations = this.#sources.map((_, index): [string, StoredFinding[]] => [
      this.#findingKeys[index] ?? "",
      this.#findings[index] ?? [],
    ]);
    const used = new Set(this.#sources.map((source) => source.differ?.key()).filter((key) => key !== undefined));
    let parsePack = this.#record?.parsePack;
    if (parsedAny && this.#textKeys.every((key) => this.#trees.has(key))) {
      parsePack = { key: this.#packKey(), texts: [...this.#trees.keys()] };
      this.#cache.write("parse", parsePack.key, Object.fromEntries(this.#trees));
    }
    const record: RunRecord = {
      migrations,
      differ: [...this.#differ].filter(([key]) => used.has(key)),
      ...(parsePack ? { parsePack } : {}),
    };
    this.#cache.write("run", this.#recordKey, record);
  }
}

/** A stored finding as the review reported it (the same fields, in the same order). */
function expand(file: string, [line, column, rule, severity, message, fingerprint]: StoredFinding): Finding {
  return { file, line, column, rule, severity, message, help: ruleById(rule)?.help ?? "", fingerprint };
}
