/**
 * Drizzle Kit 0.31 and 1.0 write the same change in different words. The 1.0 statements below are
 * real output of `drizzle-kit/api-postgres` 1.0.0-rc.5-5935859 `generateMigration` on the snapshots
 * `drizzle-kit up` made of a 0.x history (`packages/drizzle-next` checks the whole history with both
 * differs); the 0.x ones are what 0.31 wrote into that history's files.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalStatements } from "./canonical-sql.ts";
import { loadParser } from "./parse-migration.ts";

beforeAll(loadParser);

const same = (a: string, b: string) => expect(canonicalStatements(a)).toEqual(canonicalStatements(b));
const differ = (a: string, b: string) => expect(canonicalStatements(a)).not.toEqual(canonicalStatements(b));

describe("the same change as Drizzle Kit 0.31 and 1.0 write it", () => {
  it("a table with a primary key, a unique column and an array default", () => {
    same(
      `CREATE TABLE "personal_access_token" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"token_hash" text NOT NULL,\n\t"scopes" text[] DEFAULT '{}' NOT NULL,\n\tCONSTRAINT "personal_access_token_token_hash_unique" UNIQUE("token_hash")\n);\n`,
      `CREATE TABLE "personal_access_token" (\n\t"id" text PRIMARY KEY,\n\t"token_hash" text NOT NULL UNIQUE,\n\t"scopes" text[] DEFAULT '{}'::text[] NOT NULL\n);\n`,
    );
  });

  it("an enum type, an enum column, a foreign key and an index", () => {
    same(
      `CREATE TYPE "public"."document_source_table" AS ENUM('research_artifact', 'research_output');`,
      `CREATE TYPE "document_source_table" AS ENUM('research_artifact', 'research_output');`,
    );
    same(
      `CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"source_table" "public"."document_source_table" NOT NULL,\n\t"search_vector" "tsvector" NOT NULL\n);\n`,
      `CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY,\n\t"source_table" "document_source_table" NOT NULL,\n\t"search_vector" tsvector NOT NULL\n);\n`,
    );
    same(
      `ALTER TABLE "personal_access_token" ADD CONSTRAINT "personal_access_token_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;`,
      `ALTER TABLE "personal_access_token" ADD CONSTRAINT "personal_access_token_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE;`,
    );
    same(
      `CREATE INDEX "personal_access_token_userId_idx" ON "personal_access_token" USING btree ("user_id");`,
      `CREATE INDEX "personal_access_token_userId_idx" ON "personal_access_token" ("user_id");`,
    );
    same(
      `ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "depends_on" text[] DEFAULT '{}' NOT NULL;`,
      `ALTER TABLE "plan_step" ADD COLUMN "depends_on" text[] DEFAULT '{}'::text[] NOT NULL;`,
    );
    same(`DROP TYPE "public"."document_source_table";`, `DROP TYPE "document_source_table";`);
  });
});

describe("what stays a different statement", () => {
  it("a different type, schema, constraint name, missing primary key or default", () => {
    differ(`CREATE TABLE "t" ("id" text PRIMARY KEY NOT NULL);`, `CREATE TABLE "t" ("id" integer PRIMARY KEY);`);
    differ(`CREATE TYPE "other"."e" AS ENUM('a');`, `CREATE TYPE "e" AS ENUM('a');`);
    differ(`CREATE TABLE "t" ("id" text PRIMARY KEY NOT NULL);`, `CREATE TABLE "t" ("id" text NOT NULL);`);
    differ(
      `CREATE TABLE "t" ("c" text NOT NULL, CONSTRAINT "c_must_be_unique" UNIQUE("c"));`,
      `CREATE TABLE "t" ("c" text NOT NULL UNIQUE);`,
    );
    differ(`CREATE TABLE "t" ("c" text NOT NULL);`, `CREATE TABLE "t" ("c" text NOT NULL UNIQUE);`);
    differ(`ALTER TABLE "t" ADD COLUMN "c" text DEFAULT 'a';`, `ALTER TABLE "t" ADD COLUMN "c" text DEFAULT 'b';`);
    // A cast to another type changes the value: it stays.
    differ(`ALTER TABLE "t" ADD COLUMN "c" text DEFAULT '1';`, `ALTER TABLE "t" ADD COLUMN "c" text DEFAULT '1'::int;`);
    // A schema named in a GRANT is the object, not a qualifier.
    differ(`GRANT USAGE ON SCHEMA public, app TO "r";`, `GRANT USAGE ON SCHEMA app TO "r";`);
  });

  it("re-run guards still do not count", () => {
    same(`CREATE TABLE IF NOT EXISTS "t" ("id" text);`, `CREATE TABLE "t" ("id" text);`);
    same(`DROP TABLE IF EXISTS "t";`, `DROP TABLE "t";`);
  });
});
