/**
 * The static review: replays the history statement by statement, runs every rule against each
 * statement and each migration with the schema as it stood, then applies suppressions and the
 * configured severities. Returns findings as data; printing and exit codes belong to the command.
 */
import { createHash } from "node:crypto";
import { MigratorError } from "../errors/migrator-error.ts";
import { withoutCommentLines } from "../sql/comments.ts";
import { mustBeRerunnable, type ReviewConfig, ruleLevel } from "./config.ts";
import type { Finding } from "./finding.ts";
import {
  loadParser,
  type ParsedMigration,
  parseMigration,
  type Position,
  type ReviewStatement,
  type SqlUnit,
} from "../sql/parse-migration.ts";
import { HistoryCache } from "./history-cache.ts";
import type { GeneratedStatements, MigrationSource } from "./migration-source.ts";
import type { ReviewCache } from "./review-cache.ts";
import { ReviewTimings } from "./review-timings.ts";
import type { Rule, RuleHit } from "./rule.ts";
import { RULES, ruleById } from "./rules/index.ts";
import { SchemaState } from "./schema-state.ts";
import { findSuppressions } from "./suppressions.ts";

export interface ReviewOptions {
  config: ReviewConfig;
  /** Report only these tags (the whole history is still replayed for the schema state). */
  only?: readonly string[];
  /**
   * Reuse what an earlier run computed from the same bytes (parse trees, findings over an
   * unchanged history, replayed states, Drizzle Kit's statements) and record what this run
   * computes. The findings are the same as without it.
   */
  cache?: ReviewCache;
  /** Names the history in the cache (its folder): each one keeps its own record of findings. */
  cacheScope?: string;
  /**
   * Whether this run's record may be kept, asked at its end: false when an input it was keyed by
   * changed during the run (a snapshot saved after it was hashed, before Drizzle Kit read it).
   */
  keepIf?: () => boolean;
  /** Where the time goes, filled in as the review runs (`db:review --timings`). */
  timings?: ReviewTimings;
}

/**
 * Reviews migrations in journal order and returns the findings (rules set to `off` removed,
 * suppressed findings removed, suppression problems added).
 *
 * With a cache (`history-cache.ts`), the findings of the unchanged start of the history come from
 * the last run, the schema state before the first changed migration from the nearest cached state
 * (replayed forward from there with cached parse trees), and from that migration on every
 * migration is reviewed again: its findings depend on the schema the earlier ones built.
 *
 * @example
 * const findings = await reviewMigrations([{ tag: "0000_init", file: "0000_init.sql", text }], { config });
 */
export async function reviewMigrations(
  sources: readonly MigrationSource[],
  options: ReviewOptions,
): Promise<Finding[]> {
  if (!options.cache) return reviewWith(sources, options);
  try {
    return await reviewWith(sources, options);
  } catch (error) {
    if (error instanceof MigratorError) throw error;
    // An entry that passed its checksum but not its use (of another shape: written by hand, or
    // by a toolkit with a bug): the review never fails for its cache, it reviews without it.
    options.cache.stats.corrupt++;
    return reviewWith(sources, { ...options, cache: undefined });
  }
}

async function reviewWith(sources: readonly MigrationSource[], options: ReviewOptions): Promise<Finding[]> {
  const { config, cache } = options;
  const timings = options.timings ?? new ReviewTimings();
  if (cache) timings.useCache(cache.stats);
  const memory =
    cache && timings.time("cache lookup", () => new HistoryCache(cache, sources, config, options.cacheScope ?? ""));
  const perMigration = memory ? timings.time("cache lookup", () => memory.unchangedFindings()) : [];
  const first = perMigration.length;
  timings.count("migrations", sources.length);
  timings.count("findings from cache", first);
  const parser = new CachingParser(memory, timings);
  if (first < sources.length) {
    const restored = memory && timings.time("cache lookup", () => memory.stateBefore(first));
    const state = restored?.state ?? new SchemaState();
    for (let index = restored?.next ?? 0; index < first; index++) {
      const migration = await parser.parse(sources, index, state);
      timings.time("replay", () => replay(migration, state));
      timings.count("replayed without rules");
    }
    // Rules use the parser too (the lexer, Drizzle Kit's statements), even for a cached parse tree.
    await parser.load();
    for (let index = first; index < sources.length; index++) {
      const source = sourceAt(sources, index);
      const migration = await parser.parse(sources, index, state);
      const before = state.clone();
      const generated = await generatedStatements(source, memory, timings);
      const findings = timings.time("rules", () => reviewOne(migration, state, before, generated, config));
      perMigration.push(findings);
      timings.count("reviewed with rules");
      memory?.keepFindings(index, findings);
      // The states the next run most likely starts from: before the last migration (edited again
      // before a commit) and after it (a new migration appended).
      if (index === sources.length - 1 && index > 0 && memory) {
        timings.time("cache write", () => memory.keepState(index - 1, before));
      }
    }
    if (memory) timings.time("cache write", () => memory.keepState(sources.length - 1, state));
  }
  if (memory && cache) {
    timings.time("cache write", () => {
      // keepIf stats every snapshot: asked only when there is a record to write.
      if (memory.hasNews() && (options.keepIf?.() ?? true)) memory.save(timings.counted("parsed") > 0);
      if (cache.stats.written > 0) cache.prune();
    });
  }
  return sources.flatMap((source, index) =>
    !options.only || options.only.includes(source.tag) ? (perMigration[index] ?? []) : [],
  );
}

function sourceAt(sources: readonly MigrationSource[], index: number): MigrationSource {
  const source = sources[index];
  if (!source) throw new Error(`no migration at position ${index}`);
  return source;
}

/**
 * Parses migrations, taking the parse trees of texts parsed before from the cache. A migration is
 * parsed with the routines and prepared queries of the schema before it (`state`): a call of one
 * reads its body, an `EXECUTE` of one its query.
 */
class CachingParser {
  #loaded = false;

  constructor(
    private readonly memory: HistoryCache | undefined,
    private readonly timings: ReviewTimings,
  ) {}

  /** Loads PostgreSQL's parser (once). */
  async load(): Promise<void> {
    if (this.#loaded) return;
    await this.timings.timeAsync("parser load", loadParser);
    this.#loaded = true;
  }

  async parse(sources: readonly MigrationSource[], index: number, state: SchemaState): Promise<ParsedMigration> {
    const { memory, timings } = this;
    const source = sourceAt(sources, index);
    const earlier = { routines: state.routinesByName(), prepared: state.preparedQueries() };
    const cached = memory && timings.time("parse trees from cache", () => memory.parsed(index, earlier));
    if (cached) {
      timings.count("parse trees from cache");
      return cached;
    }
    await this.load();
    const migration = timings.time("parse", () =>
      parseMigration(source.tag, source.file, source.text, {
        followCalls: true,
        earlierRoutines: earlier.routines,
        earlierPrepared: earlier.prepared,
      }),
    );
    timings.count("parsed");
    memory?.keepParsed(index, migration, earlier);
    return migration;
  }
}

/** Drizzle Kit's statements for the migration: given, from the cache, or from the differ (timed). */
async function generatedStatements(
  source: MigrationSource,
  memory: HistoryCache | undefined,
  timings: ReviewTimings,
): Promise<GeneratedStatements> {
  const { differ } = source;
  if (!differ) return { generated: source.generated, generatedError: source.generatedError };
  const cached = memory?.generated(differ.key());
  if (cached) {
    timings.count("snapshot diffs from cache");
    return cached;
  }
  let loading = 0;
  const started = performance.now();
  const result = await differ.run((ms) => {
    loading = ms;
    timings.add("Drizzle Kit import", ms);
  });
  timings.add("snapshot differ", performance.now() - started - loading);
  timings.count("snapshot diffs");
  memory?.keepGenerated(differ.key(), result);
  return result;
}

/** Applies a migration's statements to the state, checking nothing (its findings are known). */
function replay(migration: ParsedMigration, state: SchemaState): void {
  for (const statement of migration.statements) {
    for (const unit of statement.units) applyUnit(migration, unit, state);
  }
}

/**
 * Applies one statement to the replayed schema, as both a reviewed and a replayed migration do
 * (so a cached run builds the schema an uncached one builds): false when its tree nests deeper
 * than the schema's walk can follow, and it is left out.
 */
function applyUnit(migration: ParsedMigration, unit: SqlUnit, state: SchemaState): boolean {
  try {
    state.apply(unit, { file: migration.file, position: migration.positionAt(unit.offset) });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** Runs every rule on one migration while applying it to `state`; returns its settled findings. */
function reviewOne(
  migration: ParsedMigration,
  state: SchemaState,
  before: SchemaState,
  generated: GeneratedStatements,
  config: ReviewConfig,
): Finding[] {
  const rerunnable = mustBeRerunnable(migration.tag, config.guardBaseline);
  const hits: RaisedHit[] = [];
  for (const statement of migration.statements) {
    if (statement.parseError) {
      const rule = ruleById("parse-error");
      const { message, position, inCalledRoutine } = statement.parseError;
      if (rule)
        hits.push({
          rule,
          hit: {
            statement,
            position,
            message: inCalledRoutine
              ? message
              : isStackOverflow(message)
                ? TOO_DEEP
                : `PostgreSQL cannot parse this statement: ${message}`,
          },
        });
    }
    for (const unit of statement.units) {
      const parseError = ruleById("parse-error");
      let tooDeep = false;
      try {
        for (const rule of RULES) {
          if (!rule.checkUnit) continue;
          const context = { migration, statement, unit, state, before, settings: config, mustBeRerunnable: rerunnable };
          for (const hit of rule.checkUnit(context)) hits.push({ rule, hit, unit });
        }
      } catch (error) {
        if (!(error instanceof RangeError) || !parseError) throw error;
        tooDeep = true;
      }
      // Applied whether or not a rule could walk it, as a cached run's replay applies it.
      if (!applyUnit(migration, unit, state)) tooDeep = true;
      if (tooDeep && parseError) hits.push({ rule: parseError, hit: { statement, message: TOO_DEEP }, unit });
    }
  }
  for (const rule of RULES) {
    if (!rule.checkMigration) continue;
    const context = {
      migration,
      before,
      after: state,
      settings: config,
      mustBeRerunnable: rerunnable,
      generated: generated.generated,
      generatedError: generated.generatedError,
    };
    try {
      for (const hit of rule.checkMigration(context)) hits.push({ rule, hit });
    } catch (error) {
      const parse = ruleById("parse-error");
      if (!(error instanceof RangeError) || !parse) throw error;
      hits.push({ rule: parse, hit: { message: `${rule.id}: ${TOO_DEEP}` } });
    }
  }
  return settle(migration, hits, config);
}

/**
 * What the review says of a statement whose parse tree nests deeper than its walks (or the
 * parser's) can follow, e.g. an expression of thousands of `||` terms: it could not be checked,
 * which is not saying PostgreSQL refuses it.
 */
const TOO_DEEP =
  "the review cannot read this statement: its expression nests deeper than the review's stack (PostgreSQL may still run it); split it into smaller expressions";

function isStackOverflow(message: string): boolean {
  return /Maximum call stack size exceeded|stack depth limit exceeded/.test(message);
}

/** A rule's hit, and the statement (unit) it came from when the rule checked one. */
interface RaisedHit {
  rule: Rule;
  hit: RuleHit;
  unit?: SqlUnit;
}

/**
 * The statement a hit is about: the one its rule checked, else the last one of its chunk that
 * starts at or before the hit's line (none for a chunk that did not parse).
 */
function hitUnit(migration: ParsedMigration, { hit, unit }: RaisedHit): SqlUnit | undefined {
  if (unit || !hit.statement) return unit;
  const line = (hit.position ?? hit.statement.position).line;
  return hit.statement.units.filter((u) => migration.positionAt(u.offset).line <= line).at(-1);
}

/** Whether `inner` is `outer` or one of the statements inside it (a DO block's). */
function within(inner: SqlUnit | undefined, outer: SqlUnit | undefined): boolean {
  if (!inner || !outer) return inner === outer;
  return inner === outer || (inner.offset >= outer.offset && inner.offset < outer.offset + outer.text.length);
}

/** Applies suppressions and severities to one migration's hits. */
function settle(migration: ParsedMigration, hits: RaisedHit[], config: ReviewConfig): Finding[] {
  const suppressions = findSuppressions(migration);
  const used = new Set<number>();
  const raised: RaisedHit[] = [];
  for (const entry of hits) {
    const unit = hitUnit(migration, entry);
    const index = suppressions.findIndex(
      (s) => s.rule === entry.rule.id && s.reason !== "" && s.statement === entry.hit.statement && within(unit, s.unit),
    );
    if (index >= 0) used.add(index);
    else raised.push(entry);
  }
  suppressions.forEach((suppression, index) => {
    const known = ruleById(suppression.rule);
    if (suppression.reason === "") {
      const rule = ruleById("suppression-without-reason");
      if (rule) {
        raised.push({
          rule,
          hit: {
            statement: suppression.statement,
            position: suppression.position,
            message: `"-- review-ignore ${suppression.rule}" has no reason, so it suppresses nothing`,
          },
        });
      }
    } else if (!used.has(index)) {
      const rule = ruleById("unused-suppression");
      if (rule) {
        raised.push({
          rule,
          hit: {
            statement: suppression.statement,
            position: suppression.position,
            message: known
              ? `"-- review-ignore ${suppression.rule}" suppresses nothing: the statement below has no ${suppression.rule} finding`
              : `"-- review-ignore ${suppression.rule}" names no known rule`,
          },
        });
      }
    }
  });
  return raised.flatMap(({ rule, hit, unit }) => {
    const level = ruleLevel(config, rule.id);
    if (level === "off") return [];
    // A statement's finding is where that statement starts, not where its chunk does.
    const position = hit.position ?? (unit ? migration.positionAt(unit.offset) : hit.statement?.position);
    // A statement of a called routine's body is reported at the call: the message says whose it is,
    // and where an earlier migration created it.
    const from = unit?.routineCreatedIn === undefined ? "" : ` from ${unit.routineCreatedIn}`;
    const message =
      unit?.routine === undefined
        ? hit.message
        : `${hit.message} (in the body of "${unit.routine}"${from}, which this statement runs)`;
    return [toFinding(migration.file, rule, level, message, position, hit.statement)];
  });
}

/**
 * Builds a finding. The fingerprint hashes the statement's code (comment lines dropped, white
 * space collapsed), so editing comments or moving the statement keeps a baseline entry valid.
 */
export function toFinding(
  file: string,
  rule: Rule,
  severity: Finding["severity"],
  message: string,
  position: Position | undefined,
  statement: ReviewStatement | undefined,
): Finding {
  const code = statement && withoutCommentLines(statement.sql);
  const keyText = code ? code.replace(/\s+/g, " ").trim() : message;
  return {
    file,
    line: position?.line ?? 1,
    column: position?.column ?? 1,
    rule: rule.id,
    severity,
    message,
    help: rule.help,
    fingerprint: createHash("sha256").update(keyText).digest("hex").slice(0, 16),
  };
}
