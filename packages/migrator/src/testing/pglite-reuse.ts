/**
 * The factory's side of reusing closed PGlite clones (`pglite.reuse`): the clones of this process
 * waiting to be handed out again, and the revocable handle each holder gets. Whether a clone may
 * be reused at all is pglite-recycle.ts's answer.
 */
import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { PGlite } from "@electric-sql/pglite";
import { readTemplateState, type TemplateState } from "./pglite-recycle.ts";

/**
 * A reusable database as one clone's holder sees it: a proxy revoked on close, so a handle or a
 * timer the test left behind throws (as on a closed database) instead of reaching the next
 * test's, and the notification listeners registered through it are removed.
 */
export function handOut(db: PGlite): { pglite: PGlite; revoke(): Promise<void> } {
  const unsubscribes: (() => unknown)[] = [];
  const { proxy, revoke } = Proxy.revocable(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "listen")
        return async (...args: Parameters<PGlite["listen"]>) => {
          const unsubscribe = await target.listen(...args);
          unsubscribes.push(unsubscribe);
          return unsubscribe;
        };
      if (property === "onNotification")
        return (...args: Parameters<PGlite["onNotification"]>) => {
          const unsubscribe = target.onNotification(...args);
          unsubscribes.push(unsubscribe);
          return unsubscribe;
        };
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  return {
    pglite: proxy,
    async revoke() {
      revoke();
      for (const unsubscribe of unsubscribes.splice(0)) await Promise.resolve(unsubscribe()).catch(() => undefined);
    },
  };
}

interface IdlePglite {
  dataDir: string;
  db: PGlite;
  state: TemplateState;
}

/**
 * This process's PGlite clones waiting to be handed out again, by template folder, and each
 * template's state read from its first clone. Their folders are removed when the process exits
 * or is ended by SIGTERM.
 */
export function reusablePglites() {
  const idle = new Map<string, IdlePglite[]>();
  const states = new Map<string, Promise<TemplateState>>();
  let exitHook = false;
  return {
    take(template: string): IdlePglite | undefined {
      return idle.get(template)?.pop();
    },
    give(template: string, clone: IdlePglite): void {
      if (!exitHook) {
        exitHook = true;
        const removeAll = () => {
          for (const clones of idle.values())
            for (const { dataDir } of clones) rmSync(dataDir, { recursive: true, force: true });
          idle.clear();
        };
        process.once("exit", removeAll);
        // Test runners end their workers with SIGTERM, which runs no exit handlers: remove the
        // folders, then end as the signal would have if nothing else listens for it.
        process.once("SIGTERM", () => {
          removeAll();
          if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
        });
      }
      idle.set(template, [...(idle.get(template) ?? []), clone]);
    },
    /** Closes and removes the clones of `template` waiting here, and forgets its state (it is being rebuilt). */
    async discard(template: string): Promise<void> {
      const clones = idle.get(template) ?? [];
      idle.delete(template);
      states.delete(template);
      for (const { dataDir, db } of clones) {
        await db.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    /** The template's state, read from `db` (a clone no test has touched yet) the first time. */
    stateOf(template: string, db: PGlite): Promise<TemplateState> {
      let state = states.get(template);
      if (!state) {
        state = readTemplateState(db);
        state.catch(() => states.delete(template));
        states.set(template, state);
      }
      return state;
    },
  };
}
