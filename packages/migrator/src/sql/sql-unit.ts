/**
 * What the rules read of one SQL statement (a unit): its parse tree, text and place in the file,
 * and the guards around it. The parser that makes units is parse-migration.ts; the readers of a
 * routine's or a DO block's body (called-routines.ts, plpgsql-walk.ts) and the canonical forms use
 * these types without depending on it.
 */
import type { AstObject } from "./ast.ts";

/** A 1-based line and column in a migration file. */
export interface Position {
  line: number;
  column: number;
}

/** How a statement inside a `DO` block or a called routine's body is protected against running twice. */
export interface BlockGuards {
  /**
   * It runs inside PL/pgSQL or a routine, not as a statement of its own: it sits inside a
   * `DO $$ … $$` block, or in the body of a routine the migration calls.
   */
  inDoBlock: boolean;
  /** Conditions caught by an enclosing `EXCEPTION WHEN …` (e.g. `duplicate_object`). */
  handles: string[];
  /**
   * It runs only under an `IF` (e.g. `IF NOT EXISTS (SELECT … FROM pg_roles …)`) or in an
   * `EXCEPTION WHEN …` handler (only when the error happens).
   */
  conditional: boolean;
}

/**
 * One SQL statement the parser understood: a top-level statement, one inside a DO block, or one
 * of the body of a routine the migration (or an earlier one) creates and the migration then calls.
 *
 * A called routine's statements are units of the calling statement (`SELECT wipe()`, the
 * `PERFORM wipe()` in a DO block, `CALL p()`), placed at the call: `offset` and `sourceOffset`
 * are the call's and `source` is empty, so every position a rule gives for them is the call's.
 * The call is where the migration does what the body does (a body runs once per call, and never
 * for a routine only created), where a `-- review-ignore` above the call accepts it (suppressions
 * match a finding to the statement it is on, the call), and what the baseline's fingerprint hashes.
 */
export interface SqlUnit {
  /** The parse-tree node type, e.g. `CreateStmt`, `AlterTableStmt`, `IndexStmt`. */
  type: string;
  /** The node's fields. */
  node: AstObject;
  /** The statement's SQL text. */
  text: string;
  /** Character offset of `text` in the file (of the call, for a called routine's statement). */
  offset: number;
  /** The SQL string the parser was given (parse-tree locations are byte offsets into it)… */
  source: string;
  /** …and where that string starts in the file. */
  sourceOffset: number;
  guards: BlockGuards;
  /** For a `DO` block: what its body holds besides the plain statements listed after it. */
  doBlock?: DoBlockBody;
  /** For a statement of a called routine's body: the routine's name. */
  routine?: string;
  /** For a statement of the body of a routine an earlier migration created: where (`file:line` of its CREATE). */
  routineCreatedIn?: string;
}

/**
 * What a `DO` block's body holds that neither the review nor `db:revert` can see into. Its plain
 * SQL statements become units of their own; these are the rest.
 */
export interface DoBlockBody {
  /** PL/pgSQL statements that are not plain SQL (`PERFORM`, dynamic `EXECUTE`, loops, assignments…), by kind. */
  opaque: string[];
}
