import { stringField } from "../../sql/ast.ts";
import type { ParsedMigration, ReviewStatement } from "../../sql/parse-migration.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { alterCommands, declaredConstraints } from "./statement-parts.ts";

/** The statement of this migration, before `statement`, that added constraint `name` to `table` NOT VALID. */
export function notValidAddition(
  migration: ParsedMigration,
  statement: ReviewStatement,
  table: string,
  name: string,
): ReviewStatement | undefined {
  return migration.statements
    .filter((earlier) => earlier.index < statement.index)
    .find((earlier) =>
      earlier.units.some((unit) =>
        declaredConstraints(unit).some(
          (declared) =>
            declared.added &&
            declared.table === table &&
            stringField(declared.constraint, "conname") === name &&
            declared.constraint["skip_validation"] === true,
        ),
      ),
    );
}

/** NOT VALID buys nothing if the validation runs in the same transaction as the ADD. */
export const validateInSameMigration: Rule = {
  id: "validate-in-same-migration",
  defaultSeverity: "warning",
  source: "static",
  summary: "VALIDATE CONSTRAINT in the same migration (transaction) as the ADD CONSTRAINT … NOT VALID",
  explanation:
    "ADD CONSTRAINT … NOT VALID is quick, but it takes a lock that blocks writes (SHARE ROW EXCLUSIVE on both tables " +
    "for a foreign key, ACCESS EXCLUSIVE for a check) and keeps it until the transaction ends. VALIDATE CONSTRAINT in " +
    "the same migration then scans every row while that lock is still held: the split protects nothing. In a later " +
    "migration, VALIDATE takes only SHARE UPDATE EXCLUSIVE, which lets reads and writes go on.",
  help: "Move the VALIDATE CONSTRAINT into the next migration (db:review --fix does it).",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"input_tokens" integer\n);'],
      sql: 'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_input_tokens_check" CHECK ("input_tokens" >= 0) NOT VALID;--> statement-breakpoint\nALTER TABLE "ai_usage" VALIDATE CONSTRAINT "ai_usage_input_tokens_check";',
    },
    passing: {
      history: [
        'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"input_tokens" integer\n);',
        'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_input_tokens_check" CHECK ("input_tokens" >= 0) NOT VALID;',
      ],
      sql: 'ALTER TABLE "ai_usage" VALIDATE CONSTRAINT "ai_usage_input_tokens_check";',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (migration.noTransaction) return [];
    return alterCommands(unit)
      .filter((command) => command.subtype === "AT_ValidateConstraint")
      .flatMap(({ table, command }) => {
        const name = stringField(command, "name") ?? "";
        const added = notValidAddition(migration, statement, table, name);
        if (!added) return [];
        return [
          {
            statement,
            position: unitPosition(migration, unit),
            message: `VALIDATE CONSTRAINT "${name}" runs in the same transaction as its ADD … NOT VALID (line ${added.position.line}): the ADD's lock on "${table}" is still held while every row is checked`,
          },
        ];
      });
  },
};
