/**
 * The applied migrations whose `when` lies in the future (see journal/future-when.ts): when a run
 * finds pending migrations older than the newest applied one, these, not a branch merged late, are
 * the cause, and the refusal names them.
 */
import type { FutureMigration } from "../errors/runner-problem.ts";
import { isInFuture } from "../journal/future-when.ts";
import type { HistoryState } from "./history-state.ts";

/** The applied (or modified) migrations of `history` whose `when` lies more than a day after `now`. */
export function futureApplied(history: HistoryState, now: number): FutureMigration[] {
  return history.migrations.flatMap(({ state, migration: { tag, when } }) =>
    (state === "applied" || state === "modified") && isInFuture(when, now) ? [{ tag, when }] : [],
  );
}
