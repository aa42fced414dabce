/**
 * Which statements of a reverting migration lose data or cannot bring it back. Each gets a comment
 * line `-- db:revert data-loss: …` above it in the file and is listed on screen.
 */
import type { RevertStatement } from "./manual-sql.ts";

/** The comment prefix of a data-loss line in a reverting migration. */
export const DATA_LOSS_MARKER = "-- db:revert data-loss:";

const NAME = String.raw`"((?:[^"]|"")+)"`;
const TABLE = String.raw`(?:${NAME}\.)?${NAME}`;

/** What the statement loses, or undefined. `removedEnumValues` come from the snapshots. */
export function dataLossOf(sql: string, removedEnumValues: { type: string; values: string[] }[]): string | undefined {
  let m = new RegExp(String.raw`^DROP TABLE (?:IF EXISTS )?${TABLE}`, "i").exec(sql);
  if (m) return `drops table "${m[2]}" and its rows`;
  m = new RegExp(String.raw`^ALTER TABLE ${TABLE} DROP COLUMN (?:IF EXISTS )?${NAME}`, "i").exec(sql);
  if (m) return `drops column "${m[2]}"."${m[3]}" and its values`;
  m = new RegExp(String.raw`^CREATE TABLE (?:IF NOT EXISTS )?${TABLE}`, "i").exec(sql);
  if (m) return `re-creates table "${m[2]}" empty: the rows it had are not restored (copy them back from a backup)`;
  m = new RegExp(String.raw`^ALTER TABLE ${TABLE} ADD COLUMN (?:IF NOT EXISTS )?${NAME}`, "i").exec(sql);
  if (m) {
    const failsWhenFull =
      / NOT NULL/i.test(sql) && !/ DEFAULT /i.test(sql)
        ? "; NOT NULL without a default fails on a table with rows"
        : "";
    return `re-adds column "${m[2]}"."${m[3]}" empty: its old values are not restored (copy them back from a backup)${failsWhenFull}`;
  }
  m = new RegExp(String.raw`^ALTER TABLE ${TABLE} ALTER COLUMN ${NAME} SET DATA TYPE`, "i").exec(sql);
  if (m && !removedEnumValues.length)
    return `changes the type of "${m[2]}"."${m[3]}": values that do not convert make it fail, narrower types lose precision`;
  m = new RegExp(String.raw`^DROP TYPE ${TABLE}`, "i").exec(sql);
  const lost = m ? removedEnumValues.find((e) => e.type === m?.[2]) : undefined;
  if (lost) {
    return `enum "${lost.type}" loses ${lost.values.map((v) => `'${v}'`).join(", ")}: rows holding them make the conversion back fail; the values cannot be kept`;
  }
  return undefined;
}

/** Wraps generated statements, attaching the data-loss comment where one applies. */
export function markDataLoss(
  sqls: string[],
  removedEnumValues: { type: string; values: string[] }[],
): RevertStatement[] {
  return sqls.map((sql) => {
    const loss = dataLossOf(sql.trim(), removedEnumValues);
    return loss ? { sql, comments: [], dataLoss: loss } : { sql, comments: [] };
  });
}
