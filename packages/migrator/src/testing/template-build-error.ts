import { MigratorError } from "../errors/migrator-error.ts";

/** The template could not be built: the prepare step (migrate, seed) failed on a fresh database. */
export class TemplateBuildError extends MigratorError {
  override name = "TemplateBuildError";
  constructor(
    /** Where the template was being built: a database name on the server, or a PGlite folder. */
    readonly template: string,
    readonly engine: "postgres" | "pglite",
    readonly reason: string,
    fix = "the prepare step (migrations, test seed) must succeed on an empty database; fix it and rerun: a new template is built automatically",
  ) {
    super("template-build-failed", `building the ${engine} test template ${template} failed: ${reason}`, fix);
  }
}
