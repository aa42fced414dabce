import type { RlsCommand } from "./rls-config.ts";

/** A reason the tenant boundary does not hold, with where it is and how to fix it. */
export interface RlsFinding {
  code:
    | "missing-policy"
    | "rls-disabled"
    | "tenant-column-collation"
    | "read-only-table-writable"
    | "inherited-rows"
    | "per-row-setting"
    | "unscoped-policy"
    | "missing-with-check"
    | "policy-to-public"
    | "unprotected-table"
    | "shared-table-writable"
    | "definer-view"
    | "materialized-view-granted"
    | "foreign-table-granted"
    | "definer-routine"
    | "definer-search-path"
    | "sequence-writable"
    | "relation-rule"
    | "definer-trigger"
    | "definer-dependency"
    | "event-trigger"
    | "dangerous-privilege"
    | "stray-grant"
    | "schema-create"
    | "role-missing"
    | "role-superuser"
    | "role-bypasses-rls"
    | "role-owns-table"
    | "role-escalation"
    | "large-object-owned"
    | "cross-tenant-reference"
    | "fk-action-trigger"
    | "shared-view-source"
    | "search-path-default"
    | "role-named-schema"
    | "routine-sets-setting"
    | "role-owns-object";
  /** The table (or other object) concerned, when there is one. */
  table?: string;
  command?: RlsCommand;
  policy?: string;
  message: string;
  fix: string;
}
