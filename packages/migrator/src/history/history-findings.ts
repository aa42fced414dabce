/**
 * `db:review --base REF` as findings: each edit of the history at REF (see `compareWithBase`)
 * becomes a `history-edited` or `history-inserted` finding, unless the review config accepts the
 * edit (`acceptedEdits`, contents only). Findings of this kind never go through the baseline or
 * suppression comments: the config entry, with its reason, is the only way to let one through.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import type { MigrationFolder } from "../journal/migration-folder.ts";
import { type AcceptedEdit, type ReviewConfig, ruleLevel } from "../review/config.ts";
import type { Finding } from "../review/finding.ts";
import { ruleById } from "../review/rules/index.ts";
import { cappedList } from "../text/capped-list.ts";
import { compareWithBase, type HistoryEdit } from "./base-check.ts";

/** An edit the config accepted, and what it means for the deploy. */
export interface AcceptedHistoryEdit extends AcceptedEdit {
  /** The parts that changed. */
  parts: string[];
  /** Whether databases that applied the migration need `db:accept-hash` (its SQL file changed). */
  needsAcceptHash: boolean;
}

/** What `--base` found. */
export interface HistoryReview {
  ref: string;
  commit: string;
  findings: Finding[];
  accepted: AcceptedHistoryEdit[];
  /** `acceptedEdits` entries whose migration was not edited since REF (done: remove them). */
  unusedAcceptances: AcceptedEdit[];
}

function message(edit: HistoryEdit, ref: string): string {
  switch (edit.kind) {
    case "modified":
      return (
        `${edit.tag} exists at ${ref} but its ${edit.parts.join(" and ")} changed` +
        (edit.details.length ? ` (${edit.details.join("; ")})` : "") +
        ": a database that applied it no longer matches the history"
      );
    case "renamed":
      return `${edit.tag} exists at ${ref} but was renamed to ${edit.to}: a database that applied it keeps a row the history no longer names`;
    case "deleted":
      return `${edit.tag} exists at ${ref} but was deleted: a database that applied it keeps a row the history no longer names`;
    case "inserted":
      return edit.reason === "not-merged"
        ? `${edit.tag} is new, but ${ref} has migrations this branch has not merged (${cappedList(edit.notMerged)}): merged as it is, it would not come after them`
        : `${edit.tag} is new but comes before ${ref}'s last migration ${edit.before} (${edit.reason === "position" ? "in the folder's order" : "by its when"}): every database that has ${edit.before} stops on it as out-of-order (Drizzle's migrator skips it silently)`;
  }
}

/** `git checkout REF -- …` with pathspecs from the repository root, so it works from any folder. */
function restore(ref: string, paths: string[]): string {
  return `git checkout ${ref} -- ${paths.map((p) => `':/${p}'`).join(" ")}`;
}

function help(edit: HistoryEdit, ref: string): string {
  switch (edit.kind) {
    case "modified":
      return `restore it (${restore(ref, edit.paths)}) and make the change in a new migration; for a reviewed edit of its contents, add { "tag": "${edit.tag}", "reason": "…" } to "acceptedEdits" in the review config (the deploy then needs db:accept-hash ${edit.tag})`;
    case "renamed":
    case "deleted":
      return `restore it (${restore(ref, edit.paths)}${edit.kind === "renamed" ? ` and remove ${edit.to}` : ""}): a migration is never renamed or removed; undo a change with a new migration (db:revert)`;
    case "inserted":
      return edit.reason === "not-merged"
        ? `merge ${ref}, then run db:rebase to move this branch's new migrations after ${ref}'s`
        : `run db:rebase (onto ${ref}) to move it after ${edit.before}; or, once it is merged, apply it with db:migrate --allow-out-of-order, which first checks that it touches nothing the later migrations touch`;
  }
}

/** The 1-based line of the journal that names a tag (1 when none does). */
function journalLine(folder: MigrationFolder, tag: string): number {
  if (folder.layout !== "journal") return 1;
  const index = readFileSync(folder.journalPath, "utf8")
    .split("\n")
    .findIndex((line) => line.includes(`"${tag}"`));
  return index + 1 || 1;
}

/**
 * Compares the folder with REF and turns the edits into findings (file and line of the migration,
 * or of its journal entry when only that changed). An `acceptedEdits` tag that names no migration
 * of the folder is refused (`review-config-invalid`, exit 2): a typo there would accept nothing.
 */
export async function reviewHistory(
  folder: MigrationFolder,
  ref: string,
  config: ReviewConfig,
  displayFolder: string,
): Promise<HistoryReview> {
  const acceptances = config.acceptedEdits ?? [];
  const unknown = acceptances.filter((a) => !folder.migrations.some((m) => m.tag === a.tag || m.name === a.tag));
  if (unknown.length > 0) {
    throw new MigratorError(
      "review-config-invalid",
      `"acceptedEdits" names ${unknown.map((a) => `"${a.tag}"`).join(", ")}, which ${unknown.length === 1 ? "is" : "are"} no migration of ${folder.folder}`,
      "use the migration's full tag (its folder name in Drizzle Kit 1.0's layout), or remove the entry",
    );
  }
  const comparison = await compareWithBase(folder, ref);
  const findings: Finding[] = [];
  const accepted: AcceptedHistoryEdit[] = [];
  for (const edit of comparison.edits) {
    const acceptance = acceptances.find((a) => a.tag === edit.tag);
    if (edit.kind === "modified" && acceptance) {
      accepted.push({ ...acceptance, parts: edit.parts, needsAcceptHash: edit.parts.includes("SQL file") });
      continue;
    }
    const rule = ruleById(edit.kind === "inserted" ? "history-inserted" : "history-edited");
    const level = rule ? ruleLevel(config, rule.id) : "error";
    if (!rule || level === "off") continue;
    const onDisk = !(edit.kind === "deleted");
    const journalOnly = edit.kind === "modified" && edit.parts.every((p) => p === "journal entry");
    const file = !onDisk
      ? edit.file
      : journalOnly && folder.layout === "journal"
        ? join(displayFolder, relative(folder.folder, folder.journalPath))
        : join(displayFolder, relative(folder.folder, edit.file));
    findings.push({
      file,
      line: journalOnly ? journalLine(folder, edit.tag) : 1,
      column: 1,
      rule: rule.id,
      severity: level,
      message: message(edit, ref),
      help: help(edit, ref),
      fingerprint: createHash("sha256").update(`${rule.id}\0${edit.kind}\0${edit.tag}`).digest("hex").slice(0, 16),
    });
  }
  const edited = new Set(comparison.edits.map((e) => e.tag));
  return {
    ref,
    commit: comparison.commit,
    findings,
    accepted,
    unusedAcceptances: acceptances.filter((a) => !edited.has(a.tag)),
  };
}
