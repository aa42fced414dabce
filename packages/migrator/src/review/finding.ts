/** What the review reports: plain data, printed by the command in the format asked for. */

/** How serious a finding is. Only `error` findings make the review fail. */
export type Severity = "error" | "warning";

/** One problem at one place of one migration file. */
export interface Finding {
  /** The migration file, as the command was given it. */
  file: string;
  line: number;
  column: number;
  /** The rule's id, e.g. `fk-on-delete`. */
  rule: string;
  severity: Severity;
  /** What is wrong here, and why it matters. */
  message: string;
  /** The one-line fix. */
  help: string;
  /** A hash of the statement's SQL: keys the baseline so that moving a statement keeps it accepted. */
  fingerprint: string;
}
