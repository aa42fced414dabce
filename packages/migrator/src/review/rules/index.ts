/**
 * Every review rule, once. The config (valid ids, default severities), the command (`--rules`)
 * and the generated docs all derive from this array: adding a rule is adding its file and a line
 * here.
 */
import type { Rule } from "../rule.ts";
import { addNotNullWithoutDefault } from "./add-not-null-without-default.ts";
import { columnTypeChange } from "./column-type-change.ts";
import { constraintNotValid } from "./constraint-not-valid.ts";
import { dropStatement } from "./drop-statement.ts";
import { fkOnDelete } from "./fk-on-delete.ts";
import { indexNameCollision } from "./index-name-collision.ts";
import { liveApplyFailed } from "./live-apply-failed.ts";
import { liveNotRerunnable } from "./live-not-rerunnable.ts";
import { liveRlsCoverage } from "./live-rls-coverage.ts";
import { manualAdditionHeader } from "./manual-addition-header.ts";
import { missingGuardRule } from "./missing-guard.ts";
import { noTransactionNotRerunnable } from "./no-transaction-not-rerunnable.ts";
import { nonConcurrentIndex } from "./non-concurrent-index.ts";
import { parseError } from "./parse-error.ts";
import { renameAsDropAdd } from "./rename-as-drop-add.ts";
import { rlsNotEnabled } from "./rls-not-enabled.ts";
import { rlsPerRowSetting } from "./rls-per-row-setting.ts";
import { rlsPoliciesIncomplete } from "./rls-policies-incomplete.ts";
import { setNotNull } from "./set-not-null.ts";
import { snapshotDiffFailed } from "./snapshot-diff-failed.ts";
import { suppressionWithoutReason } from "./suppression-without-reason.ts";
import { transactionControl } from "./transaction-control.ts";
import { unfinishedRevert } from "./unfinished-revert.ts";
import { unguardedEnum } from "./unguarded-enum.ts";
import { unusedSuppression } from "./unused-suppression.ts";
import { volatileDefaultRewrite } from "./volatile-default-rewrite.ts";

export const RULES: readonly Rule[] = [
  dropStatement,
  renameAsDropAdd,
  missingGuardRule,
  unguardedEnum,
  noTransactionNotRerunnable,
  transactionControl,
  rlsNotEnabled,
  rlsPoliciesIncomplete,
  rlsPerRowSetting,
  indexNameCollision,
  fkOnDelete,
  manualAdditionHeader,
  snapshotDiffFailed,
  volatileDefaultRewrite,
  addNotNullWithoutDefault,
  nonConcurrentIndex,
  columnTypeChange,
  setNotNull,
  constraintNotValid,
  unfinishedRevert,
  parseError,
  suppressionWithoutReason,
  unusedSuppression,
  liveApplyFailed,
  liveNotRerunnable,
  liveRlsCoverage,
];

/** A rule by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
