// For people and compiler-style problem matchers: one line per finding, `FILE:LINE:COLUMN: error: KIND
// NAMESPACE/NAME: FIELD: MESSAGE [RULE]`, then each object's fate, then a summary. All text from the
// input is escaped (escapeControl): names, values and file names must not move the cursor, recolour
// the terminal or start a line of their own. Colour (--color) is painted on our own words only.
import { escapeControl, fails, findingSentence, NO_OBJECTS, objectRef, plural, type Report } from "../report.js";
import type { CheckResult } from "../check.js";
import { noPaint, type Paint, type Style } from "./color.js";

const FATE_STYLE: Record<CheckResult["status"], Style> = { admitted: "ok", denied: "error", error: "error", skipped: "warning" };

function formatResult(r: CheckResult, failOnWarnings: boolean, paint: Paint): string[] {
  const lines = r.findings.map(
    (f) => `${escapeControl(`${r.file}:${f.line}:${f.column}:`)} ${paint(f.severity, f.severity)}: ${escapeControl(`${findingSentence(r, f)} [${f.rule}]`)}`,
  );
  if (r.kind === "" && r.status === "skipped") return [...lines, escapeControl(`${r.file}: skipped: ${r.hint ?? ""} [${r.skippedBy ?? ""}]`)];
  if (r.kind === "") return lines; // not an object: the finding says it all
  const where = `${r.file}:${r.line}`;
  if (r.status === "skipped")
    return [...lines, `${escapeControl(objectRef(r))} ${paint("warning", "skipped")} ${escapeControl(`(${where}): ${r.hint ?? ""}`)}`];
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
  return [...lines, `${escapeControl(objectRef(r))} ${paint(FATE_STYLE[r.status], fate)} ${escapeControl(`(${[where, ...notes].join("; ")})`)}`];
}

export function formatText({ results, summary, failOnWarnings, paint = noPaint }: Report): string {
  const counts = [
    `${plural(summary.checked, "object")} checked: ${summary.admitted} admitted, ${summary.denied} denied, ${plural(summary.warnings, "warning")}`,
    summary.skipped ? `${summary.skipped} skipped` : "",
    summary.errors ? plural(summary.errors, "error") : "",
    summary.ignored ? `${plural(summary.ignored, "finding")} ignored` : "",
  ].filter(Boolean);
  const none = summary.checked === 0 ? [`${NO_OBJECTS} in ${plural(summary.files, "file")}`] : [];
  return `${[...results.flatMap((r) => formatResult(r, failOnWarnings, paint)), counts.join("; "), ...none].join("\n")}\n`;
}
