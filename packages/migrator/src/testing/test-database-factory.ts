/**
 * Migrated test databases at the cost of a copy. The factory prepares (migrates, seeds) a template
 * once per change of its inputs, then hands every caller, typically every test file, a clone of
 * its own: `CREATE DATABASE … TEMPLATE` on a server, a copy of the data directory on PGlite. It
 * knows nothing of any schema: the project passes the prepare step, its inputs and the engines.
 */
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import type { PGlite } from "@electric-sql/pglite";
import { pgliteVersion } from "../drivers/pglite-empty.ts";
import { recycle, type TemplateState } from "./pglite-recycle.ts";
import { handOut, reusablePglites } from "./pglite-reuse.ts";
import { clonePgliteDataDir, ensurePgliteTemplate, type OpenPglite } from "./pglite-template.ts";
import {
  cloneServerDatabase,
  dropServerDatabase,
  dropServerTemplate,
  ensureServerTemplate,
} from "./server-template.ts";
import { type TemplateInputs, templateFingerprint } from "./template-fingerprint.ts";

export type TestEngine = "postgres" | "pglite";

/** The fresh database the prepare step runs on (the template being built). */
export type PrepareTarget = { engine: "postgres"; url: string } | { engine: "pglite"; dataDir: string; pglite: PGlite };

/** One clone for one test file. `close()` drops the database (server) or removes the folder (PGlite). */
export type TestDatabaseClone =
  | { engine: "postgres"; url: string; database: string; close(): Promise<void> }
  | { engine: "pglite"; dataDir: string; pglite: PGlite; close(): Promise<void> };

export interface TestDatabaseFactoryOptions {
  /** Lowercase prefix for template and clone names, e.g. `myapp`. */
  name: string;
  /** What the template depends on; a change builds a new template. */
  inputs: TemplateInputs;
  /** Migrates (and seeds) the fresh database; must close the connections it opens. */
  prepare(target: PrepareTarget): Promise<void>;
  /**
   * The server: any database URL on it; templates and clones are created next to it. `baseDatabase`:
   * the database templates start as a copy of (default `template1`), for a role that is no
   * superuser and cannot create the schema's extensions itself: an admin creates them there (as
   * on Cloud SQL) and makes the role its owner.
   */
  server?: { url: string; baseDatabase?: string };
  /**
   * PGlite: how to open a folder (with the schema's extensions), and where to cache templates
   * (default: the OS temp folder). `reuse`: a closed clone is put back into the template's state
   * and handed to the next `clone()` of this process, open, instead of starting a new PGlite;
   * only when a fingerprint of its catalogs and rows then equals the template's (see
   * pglite-recycle.ts), else it is closed and removed as without `reuse`.
   */
  pglite?: { open: OpenPglite; cacheDir?: string; reuse?: boolean };
}

export interface TestDatabaseFactory {
  /** The template's name (server database or PGlite folder name); the same until the inputs change. */
  templateName(engine: TestEngine): string;
  /** Builds the template if it does not exist yet (once per run; concurrent callers wait). */
  ensureTemplate(engine: TestEngine): Promise<void>;
  /**
   * A new database cloned from the template, building the template first if needed (on PGlite
   * with `reuse`, possibly an earlier clone put back into the template's state; `fresh: true`
   * starts a new one anyway and removes it on close, e.g. to measure what a clone costs).
   */
  clone(engine: TestEngine, options?: { fresh?: boolean }): Promise<TestDatabaseClone>;
  /**
   * PGlite only: a copy of the template's data directory that nothing has open, for a test that
   * hands the folder to another process (a command under test). `remove()` deletes it.
   */
  cloneDataDir(): Promise<{ dataDir: string; remove(): Promise<void> }>;
  /** Removes the template, so the next `clone` builds it again (tests and benchmarks of the factory). */
  dropTemplate(engine: TestEngine): Promise<void>;
}

const TEMPLATE_UNUSED_MS = 24 * 60 * 60 * 1000;

function uniqueSuffix(): string {
  return `${process.pid}_${randomBytes(4).toString("hex")}`;
}

/**
 * Creates a factory of migrated test databases.
 *
 * @example
 * const factory = createTestDatabaseFactory({
 *   name: "myapp",
 *   inputs: { paths: [migrationsFolder], version: "seed-1" },
 *   prepare: async (target) => runMigrations(target),
 *   server: { url: "postgres://me:pw@127.0.0.1:5432/postgres" },
 *   pglite: { open: (dir) => openPgliteFolder(dir, { extensions: { vector } }) },
 * });
 * const clone = await factory.clone("postgres"); // CREATE DATABASE myapp_… TEMPLATE myapp_tpl_…
 * await clone.close();
 */
export function createTestDatabaseFactory(options: TestDatabaseFactoryOptions): TestDatabaseFactory {
  const fingerprints = new Map<TestEngine, string>();
  const ready = new Map<string, Promise<void>>();
  const reusable = reusablePglites();
  // Read when used: a TMPDIR set after the factory was made (a benchmark's) is honoured.
  const cacheDir = () => options.pglite?.cacheDir ?? join(tmpdir(), `${options.name}-test-templates`);
  /** After building a template, templates of this name unused for a day (older migrations, other branches) go. */
  const prune = { prefix: `${options.name}_tpl_`, unusedForMs: TEMPLATE_UNUSED_MS };

  function templateName(engine: TestEngine): string {
    let fingerprint = fingerprints.get(engine);
    if (!fingerprint) {
      const base = options.server?.baseDatabase;
      const version =
        engine === "pglite"
          ? `${options.inputs.version ?? ""}|pglite ${pgliteVersion()}`
          : base
            ? `${options.inputs.version ?? ""}|base ${base}`
            : options.inputs.version;
      fingerprint = templateFingerprint({ paths: options.inputs.paths, ...(version === undefined ? {} : { version }) });
      fingerprints.set(engine, fingerprint);
    }
    return `${options.name}_tpl_${fingerprint}`;
  }

  function server(): { url: string; baseDatabase?: string } {
    if (!options.server)
      throw new Error(`test database factory ${options.name}: no server configured (pass server.url)`);
    return options.server;
  }

  function pglite(): { open: OpenPglite } {
    if (!options.pglite)
      throw new Error(`test database factory ${options.name}: no PGlite configured (pass pglite.open)`);
    return options.pglite;
  }

  /** Builds the template of `engine`; on PGlite in folder `dir`. */
  async function build(engine: TestEngine, dir: string): Promise<void> {
    if (engine === "postgres") {
      const { url, baseDatabase } = server();
      await ensureServerTemplate(url, templateName(engine), (target) => options.prepare({ engine, url: target }), {
        prune,
        ...(baseDatabase ? { base: baseDatabase } : {}),
      });
    } else {
      const names = { template: templateName(engine), base: `${options.name}_base_pglite_${pgliteVersion()}` };
      await ensurePgliteTemplate(
        dir,
        names,
        pglite().open,
        (db, dataDir) => options.prepare({ engine, dataDir, pglite: db }),
        prune,
      );
    }
  }

  /** What a built template is remembered by: the engine, and on PGlite the folder it is in. */
  const readyKey = (engine: TestEngine, dir: string) => (engine === "pglite" ? `pglite ${dir}` : engine);

  /** The template of `engine`, built once (on PGlite, once per folder `dir`). */
  function ensure(engine: TestEngine, dir: string): Promise<void> {
    const key = readyKey(engine, dir);
    let promise = ready.get(key);
    if (!promise) {
      promise = build(engine, dir);
      promise.catch(() => ready.delete(key));
      ready.set(key, promise);
    }
    return promise;
  }

  function ensureTemplate(engine: TestEngine): Promise<void> {
    return ensure(engine, cacheDir());
  }

  async function clone(engine: TestEngine, cloneOptions: { fresh?: boolean } = {}): Promise<TestDatabaseClone> {
    // One folder for the whole call: TMPDIR may change while the template is built.
    const dir = cacheDir();
    await ensure(engine, dir);
    if (engine === "postgres") {
      const { url: serverUrl } = server();
      const database = `${options.name}_test_${uniqueSuffix()}`;
      const url = await cloneServerDatabase(serverUrl, templateName(engine), database);
      return { engine, url, database, close: () => dropServerDatabase(serverUrl, database) };
    }
    const template = join(dir, templateName(engine));
    const reuse = options.pglite?.reuse === true && !cloneOptions.fresh;
    const reused = reuse ? reusable.take(template) : undefined;
    if (reused) return pgliteClone(template, reused.dataDir, reused.db, reused.state);
    const dataDir = await clonePgliteDataDir(template, `${options.name}-test`);
    const db = await pglite()
      .open(dataDir)
      .catch(async (error: unknown) => {
        await rm(dataDir, { recursive: true, force: true });
        throw error;
      });
    // A template whose state cannot be read is cloned without reuse.
    const state = reuse ? await reusable.stateOf(template, db).catch(() => undefined) : undefined;
    return pgliteClone(template, dataDir, db, state);
  }

  /** A PGlite clone whose close hands it back for reuse when `state` is given and it recycles. */
  function pgliteClone(template: string, dataDir: string, db: PGlite, state?: TemplateState): TestDatabaseClone {
    let closed = false;
    const handle = state ? handOut(db) : { pglite: db, revoke: async () => undefined };
    return {
      engine: "pglite",
      dataDir,
      pglite: handle.pglite,
      async close() {
        if (closed) return;
        closed = true;
        await handle.revoke();
        if (state && (await recycle(db, state))) return reusable.give(template, { dataDir, db, state });
        if (!db.closed) await db.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }

  async function cloneDataDir(): Promise<{ dataDir: string; remove(): Promise<void> }> {
    const dir = cacheDir();
    await ensure("pglite", dir);
    const dataDir = await clonePgliteDataDir(join(dir, templateName("pglite")), `${options.name}-test`);
    return { dataDir, remove: () => rm(dataDir, { recursive: true, force: true }) };
  }

  async function dropTemplate(engine: TestEngine): Promise<void> {
    ready.delete(readyKey(engine, cacheDir()));
    if (engine === "pglite") await reusable.discard(join(cacheDir(), templateName(engine)));
    if (engine === "postgres") await dropServerTemplate(server().url, templateName(engine));
    else await rm(join(cacheDir(), templateName(engine)), { recursive: true, force: true });
  }

  return { templateName, ensureTemplate, clone, cloneDataDir, dropTemplate };
}
