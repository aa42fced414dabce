/**
 * The toolkit's one error base. Every failure a library function reports is a `MigratorError` or a
 * subclass that adds its data: a stable kebab-case `code`, a `message` (what failed, where, why)
 * and a `fix` (what to do). Libraries throw it; only the command layer prints it and turns the
 * code into an exit code (`cli/exit-codes.ts`).
 */
export class MigratorError extends Error {
  override name = "MigratorError";

  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }

  /** What the error adds to code, message and fix, as plain data (for `--json`); subclasses extend it. */
  protected details(): Record<string, unknown> {
    return {};
  }

  /** The plain-data form commands print with `--json`. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, fix: this.fix, ...this.details() };
  }
}
