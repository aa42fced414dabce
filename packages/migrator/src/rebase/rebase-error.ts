import { MigratorError } from "../errors/migrator-error.ts";

/**
 * Why `db:rebase` changed nothing:
 * - `rebase-conflict`: the branch's migrations and the base's later ones touch the same objects,
 *   so their order matters and no renumbering can make them commute;
 * - `rebase-refused`: the rebase would move or rewrite a migration that may be applied somewhere
 *   (it exists at the base or on the deployed branch, or a migration of the base was edited), the
 *   branch has not merged the base yet, or the snapshots cannot be regenerated faithfully.
 */
export type RebaseErrorCode = "rebase-conflict" | "rebase-refused";

/** One object both sides touch: the branch's migration and label, the base's migration and label. */
export interface RebaseConflict {
  ours: { tag: string; object: string };
  theirs: { tag: string; object: string };
}

/** A refusal of `db:rebase`; the folder is left exactly as it was. */
export class RebaseError extends MigratorError {
  override name = "RebaseError";

  constructor(
    code: RebaseErrorCode,
    message: string,
    fix: string,
    readonly data: { conflicts?: RebaseConflict[]; migrations?: string[] } = {},
  ) {
    super(code, `${message}; nothing was changed`, fix);
  }

  protected override details(): Record<string, unknown> {
    return { ...this.data };
  }
}
