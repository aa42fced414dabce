/**
 * What a project passes to the toolkit's commands: where its files are, how to reach its database,
 * and the words its users know (how they start the local server, what holds the connection URL).
 * The toolkit itself knows no product: each project builds its own `Project` and passes it in.
 */
import type { Driver } from "../drivers/driver.ts";
import type { RlsConfig } from "../rls/rls-config.ts";
import type { SeedReport } from "../seed/run-seed.ts";

/** The project's seed tiers, as the seed command runs them. */
export interface ProjectSeed {
  /** The tiers in order, for the help text. */
  tiers: readonly { name: string; description: string }[];
  /**
   * Runs the tiers for this environment (or `only` those) on the database `env` points at, named
   * by `target`: stops after the running tier when `signal` aborts, and calls `waiting` with what
   * it waits for (another run) before it waits.
   */
  run(
    env: NodeJS.ProcessEnv,
    options: { only: readonly string[]; signal?: AbortSignal; waiting?: (what: string) => void },
  ): Promise<{ target: string; report: SeedReport }>;
}

/** The project's review settings. */
export interface ProjectReview {
  /** Default `--config`: the review config (tenant column, role, guard baseline, severities). */
  configPath: string;
  /** The baseline of accepted findings. */
  baselinePath: string;
  /** Opens a fresh, empty embedded throwaway database for `--live` (closing it removes it). */
  openThrowawayDriver(): Promise<Driver>;
  /**
   * The server `--live` creates its throwaway database on, from the command's environment (any
   * database URL on that server); undefined: the embedded one. `--live-url` overrides it.
   */
  liveServerUrl?(env: NodeJS.ProcessEnv): string | undefined;
  /**
   * The default `--base` (a git ref to compare the history with), from the command's environment,
   * e.g. set by CI to the pull request's base; undefined: no comparison unless `--base` is given.
   */
  baseRef?(env: NodeJS.ProcessEnv): string | undefined;
}

export interface Project {
  /** Default `--migrations`. */
  migrationsFolder: string;
  /**
   * Opens one session on the database `env` points at (a server URL, or an embedded database).
   * An embedded database is made where there is none only with `create` (db:migrate): a command
   * that reads (db:status, db:verify) throws a `ConnectionError` (`no-database`) instead, so a
   * mistyped folder is named, not answered with a new empty database.
   */
  openDriver(env: NodeJS.ProcessEnv, options?: { create?: boolean }): Promise<Driver>;
  /**
   * Product words appended to the toolkit's fixes, by error code, e.g. `"connection-failed": "the
   * local server: pnpm db:server; the URL: DATABASE_URL"`.
   */
  hints?: Readonly<Record<string, string>>;
  /**
   * Migrations of an adopted history that manage their own transactions (`BEGIN`/`COMMIT` in the
   * file, which Drizzle's migrator tolerates), by tag, with the reason a reviewer accepted: they run
   * statement by statement instead of being refused. Never for new migrations: give those the
   * `-- migrator:no-transaction` directive.
   */
  selfManagedTransactions?: Readonly<Record<string, string>>;
  review?: ProjectReview;
  /** The TypeScript schema folder, so db:revert can name the files to change back. */
  schemaFolder?: string;
  rls?: RlsConfig;
  seed?: ProjectSeed;
}
