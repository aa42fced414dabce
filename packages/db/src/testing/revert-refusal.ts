/** The refusal a db:revert plan ends in, for tests that expect one (it fails the test when there is none). */
import { expect } from "vitest";
import { MigratorError, type RevertError } from "@repo/migrator";

/** Awaits `promise`, expects it to reject with a `MigratorError`, and returns that error. */
export async function refusal(promise: Promise<unknown>): Promise<RevertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigratorError);
  return error as RevertError;
}
