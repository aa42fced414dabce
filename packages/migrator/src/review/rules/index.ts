/**
 * Every review rule, once. The config (valid ids, default severities), the command (`--rules`)
 * and the generated docs all derive from this array: adding a rule is adding its file and a line
 * here.
 */
import type { Rule } from "../rule.ts";
import { addColumnForeignKey } from "./add-column-foreign-key.ts";
import { addNotNullWithoutDefault } from "./add-not-null-without-default.ts";
import { addSerialColumn } from "./add-serial-column.ts";
import { blockingMaintenance } from "./blocking-maintenance.ts";
import { charColumn } from "./char-column.ts";
import { columnTypeChange } from "./column-type-change.ts";
import { concurrentDropIndexForm } from "./concurrent-drop-index-form.ts";
import { concurrentIndexInTransaction } from "./concurrent-index-in-transaction.ts";
import { crossTenantForeignKey } from "./cross-tenant-foreign-key.ts";
import { constraintNotValid } from "./constraint-not-valid.ts";
import { dropNotNull } from "./drop-not-null.ts";
import { deleteAllRows } from "./delete-all-rows.ts";
import { dropStatement } from "./drop-statement.ts";
import { dynamicSql } from "./dynamic-sql.ts";
import { fkOnDelete } from "./fk-on-delete.ts";
import { historyEdited } from "./history-edited.ts";
import { historyInserted } from "./history-inserted.ts";
import { identifierTooLong } from "./identifier-too-long.ts";
import { indexNameCollision } from "./index-name-collision.ts";
import { integerKeyOnTenantTable } from "./integer-key-on-tenant-table.ts";
import { liveApplyFailed } from "./live-apply-failed.ts";
import { liveNotRerunnable } from "./live-not-rerunnable.ts";
import { liveLockOnLargeTable } from "./live-lock-on-large-table.ts";
import { liveRlsCoverage } from "./live-rls-coverage.ts";
import { liveScanUnderLock } from "./live-scan-under-lock.ts";
import { liveTableRewrite } from "./live-table-rewrite.ts";
import { manualAdditionHeader } from "./manual-addition-header.ts";
import { missingGuardRule } from "./missing-guard.ts";
import { noTransactionNotRerunnable } from "./no-transaction-not-rerunnable.ts";
import { nonConcurrentDropIndex } from "./non-concurrent-drop-index.ts";
import { nonConcurrentIndex } from "./non-concurrent-index.ts";
import { parseError } from "./parse-error.ts";
import { renameAsDropAdd } from "./rename-as-drop-add.ts";
import { renameColumnOrTable } from "./rename-column-or-table.ts";
import { rlsNotEnabled } from "./rls-not-enabled.ts";
import { rlsPerRowSetting } from "./rls-per-row-setting.ts";
import { rlsPoliciesIncomplete } from "./rls-policies-incomplete.ts";
import { sessionControl } from "./session-control.ts";
import { setNotNull } from "./set-not-null.ts";
import { snapshotDiffFailed } from "./snapshot-diff-failed.ts";
import { storedGeneratedColumn } from "./stored-generated-column.ts";
import { suppressionWithoutReason } from "./suppression-without-reason.ts";
import { timestampWithoutTimeZone } from "./timestamp-without-time-zone.ts";
import { transactionControl } from "./transaction-control.ts";
import { truncateCascade } from "./truncate-cascade.ts";
import { unfinishedRevert } from "./unfinished-revert.ts";
import { unguardedEnum } from "./unguarded-enum.ts";
import { uniqueConstraintBuildsIndex } from "./unique-constraint-builds-index.ts";
import { unusedSuppression } from "./unused-suppression.ts";
import { validateInSameMigration } from "./validate-in-same-migration.ts";
import { volatileDefaultRewrite } from "./volatile-default-rewrite.ts";

export const RULES: readonly Rule[] = [
  dropStatement,
  deleteAllRows,
  renameAsDropAdd,
  missingGuardRule,
  unguardedEnum,
  noTransactionNotRerunnable,
  transactionControl,
  sessionControl,
  dynamicSql,
  rlsNotEnabled,
  rlsPoliciesIncomplete,
  rlsPerRowSetting,
  indexNameCollision,
  fkOnDelete,
  crossTenantForeignKey,
  manualAdditionHeader,
  snapshotDiffFailed,
  volatileDefaultRewrite,
  addNotNullWithoutDefault,
  nonConcurrentIndex,
  nonConcurrentDropIndex,
  blockingMaintenance,
  columnTypeChange,
  setNotNull,
  constraintNotValid,
  concurrentIndexInTransaction,
  concurrentDropIndexForm,
  storedGeneratedColumn,
  addSerialColumn,
  uniqueConstraintBuildsIndex,
  validateInSameMigration,
  addColumnForeignKey,
  renameColumnOrTable,
  dropNotNull,
  truncateCascade,
  identifierTooLong,
  integerKeyOnTenantTable,
  charColumn,
  timestampWithoutTimeZone,
  unfinishedRevert,
  parseError,
  suppressionWithoutReason,
  unusedSuppression,
  liveApplyFailed,
  liveNotRerunnable,
  liveRlsCoverage,
  liveTableRewrite,
  liveScanUnderLock,
  liveLockOnLargeTable,
  historyEdited,
  historyInserted,
];

/** A rule by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
