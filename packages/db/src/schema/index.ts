/** Everything Drizzle Kit and the query API see. Export every new table here. */
export * from "./roles.ts";
export * from "./enums.ts";
export * from "./base.ts";
export * from "./auth.ts";
export * from "./mcp.ts";
export * from "./ai.ts";
export * from "./research.ts";
export * from "./search.ts";
