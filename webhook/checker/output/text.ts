// For people and compiler-style problem matchers: one line per finding, `FILE:LINE:COLUMN: error: KIND
// NAMESPACE/NAME: FIELD: MESSAGE [RULE]`, then each object's fate, then a summary. Every line is escaped as a whole (escapeControl):
// names, values and file names come from the input, and must not move the cursor, recolour the
// terminal or start a line of their own.
import { escapeControl, fails, findingSentence, NO_OBJECTS, objectRef, plural, type Report } from "../report.js";
import type { CheckResult } from "../check.js";

function formatResult(r: CheckResult, failOnWarnings: boolean): string[] {
  const lines = r.findings.map((f) => `${r.file}:${f.line}:${f.column}: ${f.severity}: ${findingSentence(r, f)} [${f.rule}]`);
  if (r.kind === "" && r.status === "skipped") return [...lines, `${r.file}: skipped: ${r.hint ?? ""} [${r.skippedBy ?? ""}]`];
  if (r.kind === "") return lines; // not an object: the finding says it all
  const where = `${r.file}:${r.line}`;
  if (r.status === "skipped") return [...lines, `${objectRef(r)} skipped (${where}): ${r.hint ?? ""}`];
  const notes = [
    r.status === "admitted" && r.patch.length > 0 ? `${plural(r.patch.length, "default")} would be applied` : "",
    r.ignored.length > 0 ? `${plural(r.ignored.length, "finding")} ignored by annotation` : "",
    r.status === "admitted" && fails(r, failOnWarnings) ? "warnings fail the run (--fail-on-warnings)" : "",
  ].filter(Boolean);
  // A rule that threw is the webhook's bug; an input check that failed is the manifest's mistake.
  const fate =
    r.status !== "error"
      ? r.status
      : r.findings.every((f) => f.rule.startsWith("input/"))
        ? "not checked: the manifest is invalid (see above)"
        : "not checked (internal error)";
  return [...lines, `${objectRef(r)} ${fate} (${[where, ...notes].join("; ")})`];
}

export function formatText({ results, summary, failOnWarnings }: Report): string {
  const counts = [
    `${plural(summary.checked, "object")} checked: ${summary.admitted} admitted, ${summary.denied} denied, ${plural(summary.warnings, "warning")}`,
    summary.skipped ? `${summary.skipped} skipped` : "",
    summary.errors ? plural(summary.errors, "error") : "",
    summary.ignored ? `${plural(summary.ignored, "finding")} ignored` : "",
  ].filter(Boolean);
  const none = summary.checked === 0 ? [`${NO_OBJECTS} in ${plural(summary.files, "file")}`] : [];
  return `${[...results.flatMap((r) => formatResult(r, failOnWarnings)).map(escapeControl), counts.join("; "), ...none].join("\n")}\n`;
}
