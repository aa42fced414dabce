/**
 * `db:migrate --allow-out-of-order`: before a migration runs after migrations that come later in
 * the history (a branch merged after the other branch's migration was deployed), the check that
 * the two orders give the same schema: the out-of-order migration and each later applied one must
 * touch different objects (PostgreSQL's parser reads both; see `sql/touched-objects.ts`).
 */
import { basename } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import type { Migration, MigrationFolder } from "../journal/migration-folder.ts";
import { loadParser, parseMigration } from "../sql/parse-migration.ts";
import { commonObjects, indexTables, sqlTouches } from "../sql/touched-objects.ts";
import type { HistoryState } from "./history-state.ts";

/** An out-of-order migration and a later applied one that touch the same objects. */
export interface OutOfOrderConflict {
  /** The pending migration that would run out of order. */
  tag: string;
  /** The applied migration that comes after it. */
  later: string;
  /** Each object in common: the out-of-order migration's label and the later one's. */
  objects: { ours: string; theirs: string }[];
}

/** `--allow-out-of-order` refused: applying in this order could give another schema than the history's order. */
export class OutOfOrderConflictError extends MigratorError {
  override name = "OutOfOrderConflictError";
  constructor(readonly conflicts: OutOfOrderConflict[]) {
    super(
      "out-of-order-conflict",
      `cannot apply out of order: ${conflicts
        .map(
          (c) =>
            `${c.tag} touches what the later, applied ${c.later} touches (${c.objects.map((o) => (o.ours === o.theirs ? o.ours : `${o.ours} / ${o.theirs}`)).join("; ")})`,
        )
        .join(
          "; ",
        )}. Applied now, it would act on what the later migration made; a fresh database applies them in the other order. Nothing was applied`,
      "give the history one order everywhere: before the branch is merged, run db:rebase on it (it moves its migrations after the others, and refuses the same objects); once merged, write a new migration after the later one that does what the out-of-order one meant, and take the out-of-order one out of the history on the branch that added it",
    );
  }

  protected override details(): Record<string, unknown> {
    return { conflicts: this.conflicts };
  }
}

/**
 * Checks every `out-of-order` migration of `history` against the applied migrations after it (in
 * the folder's order or by time). Throws {@link OutOfOrderConflictError} when they share objects;
 * returns warnings for statements the check could not read (to be checked by hand).
 */
export async function checkOutOfOrder(folder: MigrationFolder, history: HistoryState): Promise<string[]> {
  await loadParser();
  const parse = (m: Migration) => parseMigration(m.tag, basename(m.file), m.sql);
  const indexes = indexTables(folder.migrations.map(parse));
  const touched = new Map<Migration, ReturnType<typeof sqlTouches>>();
  const touches = (m: Migration) => {
    if (!touched.has(m)) touched.set(m, sqlTouches(parse(m), indexes));
    return touched.get(m) as ReturnType<typeof sqlTouches>;
  };
  const conflicts: OutOfOrderConflict[] = [];
  history.migrations.forEach((state, position) => {
    if (state.state !== "out-of-order") return;
    const m = state.migration;
    const later = history.migrations.filter(
      (other, i) => other.state === "applied" && (i > position || other.migration.when > m.when),
    );
    for (const { migration: l } of later) {
      const objects = commonObjects(touches(m).touched, touches(l).touched).map((p) => ({ ours: p.a, theirs: p.b }));
      if (objects.length > 0) conflicts.push({ tag: m.tag, later: l.tag, objects });
    }
  });
  if (conflicts.length > 0) throw new OutOfOrderConflictError(conflicts);
  return [...touched.values()].flatMap(({ unread }) =>
    unread.map(
      (u) =>
        `the out-of-order check could not read ${u.file}:${u.line} (${u.reason}): check by hand that it does not depend on the order`,
    ),
  );
}
