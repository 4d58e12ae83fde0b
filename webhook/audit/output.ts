// What `audit` prints, in `validate`'s manner (README "Checking manifests in CI"): kubectl's way in
// text (warnings, then each object's fate, then a summary), or one JSON object for scripts (results and a summary). An object
// is named by kind, namespace and name instead of file and document.
import { GROUP, KINDS } from "../../schemas/kinds.js";
import { warningMessage } from "../admission/enforcement.js";
import { errorBody, warningText } from "../admission/field.js";
import { invalidMessage } from "../admission/review.js";
import { noPaint, type Paint } from "../checker/output/color.js";
import { escapeControl } from "../checker/report.js";
import type { AuditResult } from "./run.js";

const where = (r: AuditResult): string => `${r.namespace}/${r.name}`;

/**
 * Values read from the cluster passed the apiserver, which allows any character in a string: they are
 * escaped as validate escapes them (escapeControl), and only our own words are coloured.
 */
function formatResult(r: AuditResult, paint: Paint): string {
  const lines = r.warnings.map((w) => `${paint("warning", "Warning:")} ${escapeControl(`${r.kind} ${where(r)}: ${warningText(w.field, warningMessage(w))}`)}`);
  const singular = KINDS.find((k) => k.kind === r.kind)!.singular;
  if (r.status === "admitted") {
    const defaults = r.patch.length ? `; ${r.patch.length} default${r.patch.length === 1 ? "" : "s"} would be applied` : "";
    lines.push(`${escapeControl(`${singular}.${GROUP}/${r.name}`)} ${paint("ok", "admitted")} ${escapeControl(`(namespace ${r.namespace}${defaults})`)}`);
  } else if (r.status === "error") {
    lines.push(
      `${paint("error", "Error (InternalError):")} ${escapeControl(`would fail creating ${JSON.stringify(where(r))}: internal error in rule ${r.failures.map((f) => f.rule).join(", ")}; please report it`)}`,
    );
  } else {
    lines.push(
      `${paint("error", "Error (Invalid):")} ${escapeControl(
        `would deny creating ${JSON.stringify(where(r))}: ${invalidMessage(
          r.kind,
          r.name,
          r.violations.map((v) => v.error),
        )}`,
      )}`,
    );
  }
  return lines.join("\n");
}

export function formatAuditText(results: readonly AuditResult[], scope: string, paint: Paint = noPaint): string {
  const denied = results.filter((r) => r.status !== "admitted").length;
  const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
  const summary = `${results.length} object${results.length === 1 ? "" : "s"} audited ${scope}: ${results.length - denied} admitted, ${denied} would be denied, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  return `${[...results.map((r) => formatResult(r, paint)), summary].join("\n")}\n`;
}

/** A finding as `validate --output json` prints it, without a file position: the rule, the field, the message. */
interface AuditFinding {
  rule: string;
  field: string;
  message: string;
}

/** What `--output json` prints per object, in the shape of `validate`'s results (README "Auditing a cluster"). */
interface AuditJson {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: AuditResult["status"];
  warnings: AuditFinding[];
  errors: AuditFinding[];
  patch: AuditResult["patch"];
}

/** Counts over the audit, as `validate`'s summary counts its documents. */
interface AuditSummary {
  audited: number;
  admitted: number;
  denied: number;
  errors: number;
  warnings: number;
}

export function formatAuditJson(results: readonly AuditResult[]): string {
  const out: { results: AuditJson[]; summary: AuditSummary } = {
    results: results.map((r) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: r.status,
      warnings: r.warnings.map((w) => ({ rule: w.rule, field: w.field, message: warningMessage(w) })),
      errors: [
        ...r.violations.map((v) => ({ rule: v.rule, field: v.error.field, message: errorBody(v.error) })),
        ...r.failures.map((f) => ({ rule: f.rule, field: "", message: `internal error in rule ${f.rule}: ${String(f.error)}` })),
      ],
      patch: r.patch,
    })),
    summary: {
      audited: results.length,
      admitted: results.filter((r) => r.status === "admitted").length,
      denied: results.filter((r) => r.status === "denied").length,
      errors: results.filter((r) => r.status === "error").length,
      warnings: results.reduce((n, r) => n + r.warnings.length, 0),
    },
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
