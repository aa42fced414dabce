/**
 * The Drizzle Kit (PostgreSQL, version 7) snapshot of an empty database: what the first
 * migration is diffed against.
 */
export function emptySnapshot(): Record<string, unknown> {
  return {
    id: "00000000-0000-0000-0000-000000000000",
    prevId: "",
    version: "7",
    dialect: "postgresql",
    tables: {},
    enums: {},
    schemas: {},
    sequences: {},
    roles: {},
    policies: {},
    views: {},
    _meta: { columns: {}, schemas: {}, tables: {} },
  };
}
