import { describe, expect, it } from "vitest";
import { namesInText } from "./names-in-text.ts";

describe("namesInText: whether SQL text names an object", () => {
  it("finds a lower-case name unquoted in any case, or quoted, qualified or not", () => {
    expect(namesInText("EXECUTE 'SELECT * FROM audit.log'", "log")).toBe(true);
    expect(namesInText("EXECUTE 'TRUNCATE \"log\"'", "log")).toBe(true);
    expect(namesInText("EXECUTE 'DROP TABLE LOG'", "log")).toBe(true);
  });

  it("does not take a longer name for it", () => {
    expect(namesInText("EXECUTE 'SELECT * FROM log_entries'", "log")).toBe(false);
    expect(namesInText("EXECUTE 'SELECT * FROM changelog'", "log")).toBe(false);
  });

  it("finds a mixed-case name only quoted as written: unquoted, PostgreSQL folds it to another name", () => {
    expect(namesInText("EXECUTE 'SELECT * FROM \"Gadget\"'", "Gadget")).toBe(true);
    expect(namesInText("EXECUTE 'SELECT * FROM Gadget'", "Gadget")).toBe(false);
  });

  it("finds a phrase split across lines", () => {
    expect(namesInText("EXECUTE format('ALTER TABLE %I FORCE row\n   level security', t)", "row level security")).toBe(
      true,
    );
  });
});
