// kubectl's way of saying it: warnings first, then each object's fate, then a summary line.
import { GROUP, KINDS, isKindName } from "../../../schemas/kinds.js";
import { errorString, warningText } from "../../admission/field.js";
import { invalidMessage } from "../../admission/review.js";
import type { CheckResult } from "../check.js";

function formatResult(r: CheckResult): string {
  const lines = r.warnings.map((w) => `Warning: ${warningText(w.field, w.message)}`);
  const where = `${r.file}#${r.index}`;
  const info = KINDS.find((k) => k.kind === r.kind);
  const ref = `${info ? `${info.singular}.${GROUP}` : r.kind.toLowerCase()}/${r.name || "<no name>"}`;
  if (r.status === "admitted") {
    const defaults = r.patch.length ? `; ${r.patch.length} default${r.patch.length === 1 ? "" : "s"} would be applied` : "";
    lines.push(`${ref} admitted (${where}${defaults})`);
  } else if (r.status === "error") {
    lines.push(
      `Error (InternalError): error when creating ${JSON.stringify(where)}: internal error in rule ${r.failures.map((f) => f.rule).join(", ")}; please report it`,
    );
  } else {
    const errors = r.violations.map((v) => v.error);
    const message = isKindName(r.kind) ? invalidMessage(r.kind, r.name, errors) : errors.map(errorString).join(", ");
    lines.push(`Error (Invalid): error when creating ${JSON.stringify(where)}: ${message}`);
  }
  return lines.join("\n");
}

export function formatText(results: readonly CheckResult[]): string {
  const denied = results.filter((r) => r.status === "denied" || r.status === "error").length;
  const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
  const summary = `${results.length} object${results.length === 1 ? "" : "s"} checked: ${results.length - denied} admitted, ${denied} denied, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  return `${[...results.map(formatResult), summary].join("\n")}\n`;
}
