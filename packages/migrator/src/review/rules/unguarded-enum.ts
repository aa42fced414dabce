import { missingGuard } from "../guards.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** Enums have no IF NOT EXISTS: from the baseline on they need a DO block. */
export const unguardedEnum: Rule = {
  id: "unguarded-enum",
  defaultSeverity: "error",
  source: "static",
  summary:
    "from the guard baseline on: CREATE TYPE … AS ENUM outside a duplicate_object block; ADD VALUE without IF NOT EXISTS; RENAME VALUE unguarded",
  explanation:
    "PostgreSQL has no `CREATE TYPE IF NOT EXISTS`, so a re-runnable migration wraps the enum in " +
    "`DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$`. `ALTER TYPE … ADD VALUE` takes IF NOT EXISTS. " +
    "`RENAME VALUE` takes neither and fails once the value is renamed: a DO block that renames only while pg_enum still has the old value.",
  help: "Wrap it: `DO $$ BEGIN CREATE TYPE … AS ENUM(…); EXCEPTION WHEN duplicate_object THEN null; END $$;` (for ADD VALUE: `ADD VALUE IF NOT EXISTS`).",
  examples: {
    failing: {
      sql: "CREATE TYPE \"public\".\"document_source_table\" AS ENUM('research_artifact', 'research_output');",
    },
    passing: {
      sql: "DO $$ BEGIN\n  CREATE TYPE \"public\".\"document_source_table\" AS ENUM('research_artifact', 'research_output');\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;",
    },
  },
  checkUnit({ migration, statement, unit, mustBeRerunnable }) {
    if (!mustBeRerunnable || (unit.type !== "CreateEnumStmt" && unit.type !== "AlterEnumStmt")) return [];
    const why = missingGuard(unit);
    return why
      ? [
          {
            statement,
            position: unitPosition(migration, unit),
            message: `${why}: the migration fails when run a second time`,
          },
        ]
      : [];
  },
};
