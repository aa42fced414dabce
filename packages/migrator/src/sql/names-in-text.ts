/**
 * Whether SQL text names an object, read as text where the parser cannot help (a routine body
 * that runs a string, a DO block's `EXECUTE`): the name as an identifier, quoted exactly
 * (`"Gadget"`) or, for a lower-case name, unquoted in any case (`gadget`, `GADGET`), with no
 * identifier character next to it. Words of a phrase (`row level security`) may be split by any
 * space. A name built from pieces at run time is not seen.
 *
 * @example namesInText("EXECUTE 'SELECT * FROM audit.log'", "log") // true
 * @example namesInText("SELECT * FROM log_entries", "log") // false
 */
export function namesInText(text: string, name: string): boolean {
  const pattern = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
  const unquoted = name === name.toLowerCase() ? `|${pattern}` : "";
  return new RegExp(`(^|[^A-Za-z0-9_$])("${pattern}"${unquoted})($|[^A-Za-z0-9_$])`, unquoted ? "i" : "").test(text);
}
