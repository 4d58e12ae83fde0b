// TAP version 13: one test point per document, named after the object (`Cluster default/pg (FILE:LINE)`),
// its findings in a YAML block.
import { stringify } from "yaml";
import type { LocatedFinding } from "../check.js";
import { escapeControl, fails, objectName, objectRef, type Report } from "../report.js";

/** `#` starts a directive and `\` escapes it in a TAP description; a line break would end the test point. */
const description = (s: string): string => escapeControl(s.replace(/\\/g, "\\\\").replace(/#/g, "\\#"));

const located = ({ severity: _, ...f }: LocatedFinding) => f;

/** Every string of a diagnostic block through escapeControl: a YAML reader breaks lines at NEL and U+2028 too. */
const escapedStrings = (value: unknown): unknown =>
  typeof value === "string"
    ? escapeControl(value)
    : Array.isArray(value)
      ? value.map(escapedStrings)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeControl(k), escapedStrings(v)]))
        : value;

function diagnostics(block: Record<string, unknown>): string[] {
  // Double-quoted strings only: a block scalar's lines could read as the block's end (`...`) or as TAP.
  const yaml = stringify(escapedStrings(block), { lineWidth: 0, blockQuote: false, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" }).trimEnd();
  return ["  ---", ...yaml.split("\n").map((l) => `  ${l}`), "  ..."];
}

export function formatTap({ results, failOnWarnings }: Report): string {
  const lines = ["TAP version 13", `1..${results.length}`];
  results.forEach((r, i) => {
    const name = description(`${objectName(r) ?? objectRef(r)} (${r.file}:${r.line})`);
    if (r.status === "skipped") {
      lines.push(`ok ${i + 1} - ${name} # SKIP ${description(r.hint ?? "")}`);
      return;
    }
    lines.push(`${fails(r, failOnWarnings) ? "not ok" : "ok"} ${i + 1} - ${name}`);
    const errors = r.findings.filter((f) => f.severity === "error").map(located);
    const warnings = r.findings.filter((f) => f.severity === "warning").map(located);
    if (errors.length + warnings.length > 0) {
      lines.push(
        ...diagnostics({ status: r.status, file: r.file, line: r.line, ...(errors.length ? { errors } : {}), ...(warnings.length ? { warnings } : {}) }),
      );
    }
  });
  return `${lines.join("\n")}\n`;
}
