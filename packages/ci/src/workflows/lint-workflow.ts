import { validateWorkflow, type ValidationError } from "@action-validator/core";

/** One problem in a workflow file: the JSON path inside the workflow and what is wrong there. */
export interface WorkflowProblem {
  path: string;
  message: string;
}

type Nested = { states?: { errors: ValidationError[] }[] };

/**
 * Checks a GitHub Actions workflow (YAML text) against the published workflow JSON schema and the
 * cross-references the schema cannot express (`needs` naming a job that does not exist), using
 * action-validator (WASM, with the SchemaStore schema built in). Returns [] for a valid workflow.
 *
 * A `oneOf` failure is reported through its innermost errors, deduplicated, so a misspelt key
 * reads as "Additional property 'stepz' is not allowed" rather than "OneOf conditions are not met".
 */
export function lintWorkflow(source: string): WorkflowProblem[] {
  const problems = new Map<string, WorkflowProblem>();
  const visit = (error: ValidationError & Nested, depth: number): void => {
    const nested = (error.states ?? []).flatMap((state) => state.errors);
    if (nested.length > 0 && depth < 8) {
      for (const inner of nested) visit(inner, depth + 1);
      return;
    }
    const path =
      "path" in error ? error.path : "location" in error && error.location ? `line ${error.location.line}` : "/";
    const message = error.detail ? `${error.title}: ${error.detail}` : error.title;
    problems.set(`${path} ${message}`, { path, message });
  };
  for (const error of validateWorkflow(source).errors) visit(error, 0);
  return [...problems.values()];
}
