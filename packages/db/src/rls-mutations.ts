/**
 * `pnpm test:rls-mutations [--engine postgres|pglite] [--base-url URL] [--only ID…]`: proves the isolation net
 * catches what it must. Builds one migrated and seeded database, then for each weakening in
 * `testing/rls-mutations.ts` clones it, applies the weakening, and runs `db:rls` and the isolation
 * probe on the clone. Prints one line per mutation and `killed K/N`; exits 1 unless every mutation
 * is killed (and 2 if the unmutated control is not clean, which would make every kill meaningless).
 *
 * Server: `TEST_DATABASE_URL` (default the local server on 5433); each clone is a
 * `CREATE DATABASE … TEMPLATE`. `--base-url` uses an existing migrated and seeded database as the
 * base instead of building one (CI's non-superuser pass: its owner clones it, with the `vector`
 * extension an admin created in it). PGlite: each clone is a copy of the seeded data directory.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pg from "pg";
import {
  type Driver,
  errorMessage,
  openPostgresDriver,
  readMigrationFolder,
  redactUrl,
  runMigrations,
} from "@repo/migrator";
import { createDatabase } from "./client.ts";
import { type Connection, openDriver, openPglite } from "./connection.ts";
import { MIGRATIONS_FOLDER } from "./project.ts";
import { seedDatabase } from "./seeds/seed-database.ts";
import { probeIsolation } from "./testing/isolation-probe.ts";
import { RLS_MUTATIONS, type RlsMutation } from "./testing/rls-mutations.ts";
import { runCommand } from "./testing/run-command.ts";
import { TEST_SERVER_URL } from "./testing/test-database.ts";

/** A database to mutate: where it is, and how to throw it away. */
interface Clone {
  connection: Connection;
  env: { DATABASE_URL?: string; PGLITE_DATA_DIR?: string };
  drop(): Promise<void>;
}

/** How the run makes a seeded base and clones of it, per engine. */
interface Engine {
  name: string;
  clone(label: string): Promise<Clone>;
  close(): Promise<void>;
}

async function migrateAndSeed(connection: Connection): Promise<void> {
  // The embedded base is a new folder: made here, as db:migrate makes it.
  const driver = await openDriver(connection, { create: true });
  try {
    const { verification } = await runMigrations(driver, readMigrationFolder(MIGRATIONS_FOLDER));
    if (!verification.ok) throw new Error("the base database did not verify after migrating");
  } finally {
    await driver.close();
  }
  const handle = createDatabase(connection);
  try {
    await seedDatabase(handle.db, { nodeEnv: "development" });
  } finally {
    await handle.close();
  }
}

/**
 * Drops a clone. Not `WITH (FORCE)`: a non-superuser owner may not terminate an autovacuum worker
 * that visits the fresh clone, while a plain DROP DATABASE asks it to leave and waits for it.
 */
async function dropClone(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await admin.query(`drop database if exists "${name}"`);
      return;
    } catch (error) {
      if (attempt >= 10 || (error as { code?: string }).code !== "55006") throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function serverEngine(url: string, baseUrl?: string): Promise<Engine> {
  const at = (name: string) => Object.assign(new URL(baseUrl ?? url), { pathname: `/${name}` }).toString();
  // The admin session must not be on the base: a database being copied can have no other session.
  const admin = new pg.Client({ connectionString: baseUrl ? at("postgres") : url });
  await admin.connect();
  const base = baseUrl ? decodeURIComponent(new URL(baseUrl).pathname.slice(1)) : `trovella_mut_base_${process.pid}`;
  if (!baseUrl) {
    await dropClone(admin, base);
    await admin.query(`create database "${base}"`);
    await migrateAndSeed({ kind: "postgres", url: at(base) });
  }
  return {
    name: `postgres (${redactUrl(baseUrl ?? url)}${baseUrl ? ", as its base" : ""})`,
    async clone(label) {
      const name = `trovella_mut_${process.pid}_${label.replaceAll("-", "_")}`.slice(0, 63);
      await dropClone(admin, name);
      await admin.query(`create database "${name}" template "${base}"`);
      return {
        connection: { kind: "postgres", url: at(name) },
        env: { DATABASE_URL: at(name) },
        drop: () => dropClone(admin, name),
      };
    },
    async close() {
      if (!baseUrl) await dropClone(admin, base);
      await admin.end();
    },
  };
}

async function pgliteEngine(): Promise<Engine> {
  const root = mkdtempSync(join(tmpdir(), "trovella-mutations-"));
  const base = join(root, "base");
  await migrateAndSeed({ kind: "pglite", dataDir: base });
  return {
    name: "pglite",
    async clone(label) {
      const dataDir = join(root, label);
      cpSync(base, dataDir, { recursive: true });
      return {
        connection: { kind: "pglite", dataDir },
        env: { PGLITE_DATA_DIR: dataDir },
        drop: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
    async close() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Runs db:rls and the probe on a clone; returns what caught the weakening (empty: it survived). */
async function judge(clone: Clone): Promise<string[]> {
  const caught: string[] = [];
  const rls = await runCommand("rls", ["--json"], clone.env);
  if (rls.code !== 0) {
    const codes = (JSON.parse(rls.stdout) as { findings?: { code: string }[] }).findings?.map((f) => f.code) ?? [];
    caught.push(`db:rls exit ${rls.code} [${[...new Set(codes)].join(", ") || rls.stderr.trim()}]`);
  }
  const pglite = clone.connection.kind === "pglite" ? await openPglite(clone.connection.dataDir) : undefined;
  const handle = createDatabase(clone.connection, pglite ? { pglite } : {});
  let driver: Driver | undefined;
  try {
    driver =
      clone.connection.kind === "postgres"
        ? await openPostgresDriver(clone.connection.url)
        : (await import("@repo/migrator")).pgliteDriver(pglite!, { target: clone.connection.dataDir });
    const leaks = await probeIsolation(handle.db, driver);
    if (leaks.length > 0) {
      const first = leaks[0]!;
      caught.push(`probe: ${leaks.length} leaks (${first.context} ${first.relation}: ${first.detail})`);
    }
  } catch (error) {
    // A database the probe cannot read as the app does is not isolated as far as anyone can tell.
    caught.push(`probe could not run: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (clone.connection.kind === "postgres") await driver?.close();
    await handle.close();
    await pglite?.close();
  }
  return caught;
}

async function run(options: { engine: string; only: string[]; baseUrl?: string }): Promise<number> {
  const mutations = RLS_MUTATIONS.filter((m) => options.only.length === 0 || options.only.includes(m.id));
  const unknown = options.only.filter((id) => !RLS_MUTATIONS.some((m) => m.id === id));
  if (unknown.length > 0) {
    process.stderr.write(
      `error: unknown mutation ${unknown.join(", ")}; known: ${RLS_MUTATIONS.map((m) => m.id).join(", ")}\n`,
    );
    return 2;
  }
  const started = performance.now();
  const engine =
    options.engine === "pglite"
      ? await pgliteEngine()
      : await serverEngine(process.env["TEST_DATABASE_URL"] ?? TEST_SERVER_URL, options.baseUrl);
  try {
    process.stdout.write(
      `RLS mutation run on ${engine.name}: a migrated and seeded database, ${mutations.length} weakenings\n`,
    );
    const control = await engine.clone("control");
    const controlCaught = await judge(control).finally(() => control.drop());
    if (controlCaught.length > 0) {
      process.stderr.write(`error: the unmutated control is not clean: ${controlCaught.join("; ")}\n`);
      return 2;
    }
    process.stdout.write("control (no mutation): db:rls exit 0, probe clean\n");
    let killed = 0;
    for (const mutation of mutations) {
      const caught = await applyAndJudge(engine, mutation);
      if (!Array.isArray(caught)) {
        process.stderr.write(
          `error: mutation ${mutation.id} could not be applied on ${engine.name} (${caught.refused}): fix its SQL in packages/db/src/testing/rls-mutations.ts, or prove that weakening in a test instead (a mutation must apply as CI's non-superuser owner)\n`,
        );
        return 2;
      }
      if (caught.length > 0) killed += 1;
      process.stdout.write(
        `${caught.length > 0 ? "killed  " : "SURVIVED"} ${mutation.id.padEnd(30)} ${mutation.description}\n` +
          (caught.length > 0 ? caught.map((c) => `         ${c}\n`).join("") : ""),
      );
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`killed ${killed}/${mutations.length} (${seconds} s)\n`);
    return killed === mutations.length ? 0 : 1;
  } finally {
    await engine.close();
  }
}

/**
 * What db:rls and the probe caught on a clone with the mutation applied; `refused` (the database's
 * error) when the database would not apply it: the run then proves nothing about it.
 */
async function applyAndJudge(engine: Engine, mutation: RlsMutation): Promise<string[] | { refused: string }> {
  const clone = await engine.clone(mutation.id);
  try {
    const driver = await openDriver(clone.connection);
    try {
      const refused = await driver.exec(mutation.sql).then(
        () => undefined,
        (error: unknown) => errorMessage(error),
      );
      if (refused !== undefined) return { refused };
    } finally {
      await driver.close();
    }
    return await judge(clone);
  } finally {
    await clone.drop();
  }
}

const program = new Command("test:rls-mutations")
  .description("apply each RLS weakening to a fresh seeded database; fail unless db:rls or the probe catches every one")
  .option("--engine <engine>", "postgres (the server, default) or pglite", "postgres")
  .option("--only <id...>", "run only these mutations")
  .option("--base-url <url>", "clone this migrated and seeded server database instead of building one")
  .action(async (flags: { engine: string; only?: string[]; baseUrl?: string }) => {
    if (flags.engine !== "postgres" && flags.engine !== "pglite") {
      process.stderr.write(`error: --engine must be postgres or pglite, not ${flags.engine}\n`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = await run({
      engine: flags.engine,
      only: flags.only ?? [],
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    });
  });
await program.parseAsync();
