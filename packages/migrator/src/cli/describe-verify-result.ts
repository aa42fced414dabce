import { nullHashFix } from "../errors/null-hash-fix.ts";
import type { VerifyResult } from "../verify/verify-migrations.ts";

/** The text `migrate` and `verify` print for a verification: one line when it passes, one per problem otherwise. */
export function describeVerifyResult(result: VerifyResult): string {
  if (result.ok)
    return `Verified: ${result.applied} applied, ${result.expected} expected, every hash matches the journal`;
  return [
    `Verification FAILED: ${result.applied} applied, ${result.expected} expected`,
    ...result.notApplied.map((m) => `  - not applied: ${m.tag}`),
    ...result.modified.map(
      (m) =>
        `  - modified: ${m.tag} (row ${m.id} has ${m.appliedHash.slice(0, 12)}…, the file ${m.fileHash.slice(0, 12)}…)`,
    ),
    ...result.rerunByDrizzle.map((r) => `  - applied again by Drizzle's migrator: ${r.tag} (row ${r.id}): ${r.reason}`),
    ...result.unknown.map((u) =>
      u.hash === null
        ? `  - unknown: row ${u.id} (created_at ${u.createdAt ?? "null"}) has no hash (NULL), so it matches no migration: ${nullHashFix(u.id)}`
        : u.duplicateOf
          ? `  - duplicate: row ${u.id} (hash ${u.hash.slice(0, 12)}…, created_at ${u.createdAt ?? "null"}) records ${u.duplicateOf} a second time: it was applied twice`
          : `  - unknown: row ${u.id} (hash ${u.hash.slice(0, 12)}…, created_at ${u.createdAt ?? "null"}) is not in the journal`,
    ),
    "fix: run db:migrate for what is not applied; restore modified files from git (or accept a reviewed edit with db:accept-hash); an unknown row means the database is newer than this code" +
      (result.unknown.some((u) => u.duplicateOf)
        ? "; a duplicate row means two runs applied the migration: check and repair what it did twice, then delete the later row"
        : "") +
      (result.unknown.some((u) => u.hash === null)
        ? "; a row with no hash (NULL) matches no migration: put back the hash of the file it records, or delete it if nothing ran (its line says how)"
        : "") +
      (result.rerunByDrizzle.length > 0
        ? "; for what Drizzle's migrator would apply again, put the folder's name or journal when back as git has it where the row was written, or, if the folder is right, set the row's name or created_at to the folder's"
        : ""),
  ].join("\n");
}
