/**
 * A migration whose `when` (the journal's, or the time a 1.0 folder is named for) lies in the
 * future: it was generated on a machine whose clock was ahead. Once a database applies it, every
 * migration generated before that time is older than the newest applied one, and the runner
 * refuses each as out of order, as if a branch had been merged late.
 *
 * A `when` counts as in the future only more than a day after the reader's clock: the clocks of the
 * machine that generates a migration and of the one that applies it may disagree by minutes, and a
 * time zone taken for UTC by up to 14 hours; a day ahead is a clock set wrong, not skew.
 */

/** How far after the reader's clock a `when` may lie before it is in the future: one day. */
const CLOCK_SKEW_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/** Whether a `when` (ms since the epoch) lies more than a day after `now`. */
export function isInFuture(when: number, now: number): boolean {
  return when - now > CLOCK_SKEW_TOLERANCE_MS;
}
