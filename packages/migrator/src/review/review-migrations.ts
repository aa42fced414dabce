/**
 * The static review: replays the history statement by statement, runs every rule against each
 * statement and each migration with the schema as it stood, then applies suppressions and the
 * configured severities. Returns findings as data; printing and exit codes belong to the command.
 */
import { createHash } from "node:crypto";
import { withoutCommentLines } from "../sql/comments.ts";
import { mustBeRerunnable, type ReviewConfig, ruleLevel } from "./config.ts";
import type { Finding } from "./finding.ts";
import {
  loadParser,
  type ParsedMigration,
  parseMigration,
  type Position,
  type ReviewStatement,
} from "../sql/parse-migration.ts";
import type { Rule, RuleHit } from "./rule.ts";
import { RULES, ruleById } from "./rules/index.ts";
import { SchemaState } from "./schema-state.ts";
import { findSuppressions } from "./suppressions.ts";

/** One migration to review, in journal order. */
export interface MigrationSource {
  /** The journal tag, e.g. `0008_add-correlation-id-and-embedding-count`. */
  tag: string;
  /** The path findings print. */
  file: string;
  text: string;
  /**
   * What Drizzle Kit generates from the previous snapshot to this one (`generateMigration`);
   * `manual-addition-header` is checked only where this is known (`snapshot-diff-failed` says
   * where it is not, although both snapshots exist).
   */
  generated?: string[];
  /** Why `generated` is unknown although both snapshots exist (Drizzle Kit's differ refused or failed). */
  generatedError?: string;
}

export interface ReviewOptions {
  config: ReviewConfig;
  /** Report only these tags (the whole history is still replayed for the schema state). */
  only?: readonly string[];
}

/**
 * Reviews migrations in journal order and returns the findings (rules set to `off` removed,
 * suppressed findings removed, suppression problems added).
 *
 * @example
 * const findings = await reviewMigrations([{ tag: "0000_init", file: "0000_init.sql", text }], { config });
 */
export async function reviewMigrations(
  sources: readonly MigrationSource[],
  options: ReviewOptions,
): Promise<Finding[]> {
  await loadParser();
  const { config } = options;
  const state = new SchemaState();
  const findings: Finding[] = [];
  for (const source of sources) {
    const migration = parseMigration(source.tag, source.file, source.text);
    const before = state.clone();
    const rerunnable = mustBeRerunnable(source.tag, config.guardBaseline);
    const hits: { rule: Rule; hit: RuleHit }[] = [];
    for (const statement of migration.statements) {
      if (statement.parseError) {
        const rule = ruleById("parse-error");
        if (rule)
          hits.push({
            rule,
            hit: {
              statement,
              position: statement.parseError.position,
              message: `PostgreSQL cannot parse this statement: ${statement.parseError.message}`,
            },
          });
      }
      for (const unit of statement.units) {
        for (const rule of RULES) {
          if (!rule.checkUnit) continue;
          const context = { migration, statement, unit, state, before, settings: config, mustBeRerunnable: rerunnable };
          for (const hit of rule.checkUnit(context)) hits.push({ rule, hit });
        }
        state.apply(unit, { file: migration.file, position: migration.positionAt(unit.offset) });
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
        generated: source.generated,
        generatedError: source.generatedError,
      };
      for (const hit of rule.checkMigration(context)) hits.push({ rule, hit });
    }
    if (options.only && !options.only.includes(source.tag)) continue;
    findings.push(...settle(migration, hits, config));
  }
  return findings;
}

/** Applies suppressions and severities to one migration's hits. */
function settle(migration: ParsedMigration, hits: { rule: Rule; hit: RuleHit }[], config: ReviewConfig): Finding[] {
  const suppressions = findSuppressions(migration);
  const used = new Set<number>();
  const raised: { rule: Rule; hit: RuleHit }[] = [];
  for (const entry of hits) {
    const index = suppressions.findIndex(
      (s) => s.rule === entry.rule.id && s.reason !== "" && s.statement === entry.hit.statement,
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
  return raised.flatMap(({ rule, hit }) => {
    const level = ruleLevel(config, rule.id);
    if (level === "off") return [];
    return [
      toFinding(migration.file, rule, level, hit.message, hit.position ?? hit.statement?.position, hit.statement),
    ];
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
