/** The problem a runner call failed with, for a test that expects it to fail. */
import type { RunnerError, RunnerProblem } from "@repo/migrator";

/** Awaits `run` and returns its `RunnerError`'s problem; throws when it succeeded or failed otherwise. */
export async function problemOf(run: Promise<unknown>): Promise<RunnerProblem> {
  const error = (await run.then(
    () => undefined,
    (e: unknown) => e,
  )) as RunnerError | undefined;
  if (!error?.problem) throw new Error(`expected a RunnerError, got ${String(error)}`);
  return error.problem;
}
