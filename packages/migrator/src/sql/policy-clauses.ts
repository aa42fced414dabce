/**
 * The `USING (…)` and `WITH CHECK (…)` expressions of a CREATE POLICY or ALTER POLICY as written.
 * The parse tree holds them as trees without their text; the RLS checks that judge a policy
 * (`expressionConfines`) read an expression's text, as the catalog shows it. PostgreSQL's lexer finds
 * them: the only `USING` and `WITH CHECK` outside parentheses in such a statement are its clauses.
 */
import { sqlTokens } from "./tokens.ts";

/** A policy's expressions, without their parentheses; absent when the statement does not give one. */
export interface PolicyClauses {
  using?: string;
  check?: string;
}

/**
 * The USING and WITH CHECK expressions of a CREATE POLICY or ALTER POLICY statement's text. Call
 * `await loadParser()` first.
 *
 * @example policyClauses("ALTER POLICY p ON t USING (a = (SELECT 1)) WITH CHECK (true)") // { using: "a = (SELECT 1)", check: "true" }
 */
export function policyClauses(statement: string): PolicyClauses {
  const tokens = sqlTokens(statement).filter((token) => !token.comment);
  const clauses: PolicyClauses = {};
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.text === "(") depth++;
    else if (token.text === ")") depth--;
    if (depth !== 0) continue;
    const clause =
      token.keyword === "USING"
        ? "using"
        : token.keyword === "WITH" && tokens[i + 1]?.keyword === "CHECK"
          ? "check"
          : undefined;
    if (!clause) continue;
    const open = clause === "using" ? i + 1 : i + 2;
    const close = matchingParenthesis(
      tokens.map((t) => t.text),
      open,
    );
    if (close === undefined) continue;
    clauses[clause] = statement.slice(tokens[open]!.end, tokens[close]!.start).trim();
    i = close;
  }
  return clauses;
}

/** The index of the `)` that closes the `(` at `open`, or undefined when `open` is not one. */
function matchingParenthesis(texts: string[], open: number): number | undefined {
  if (texts[open] !== "(") return undefined;
  let depth = 0;
  for (let i = open; i < texts.length; i++) {
    if (texts[i] === "(") depth++;
    else if (texts[i] === ")" && --depth === 0) return i;
  }
  return undefined;
}
