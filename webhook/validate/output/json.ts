// One JSON array of results, for scripts.
import { errorBody, warningText } from "../../admission/field.js";
import type { CheckResult } from "../check.js";

/** What `--output json` prints per object. */
export interface JsonResult {
  file: string;
  index: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: CheckResult["status"];
  allowed: boolean;
  warnings: string[];
  errors: { field: string; message: string }[];
  patch: CheckResult["patch"];
}

export function formatJson(results: readonly CheckResult[]): string {
  const out = results.map(
    (r): JsonResult => ({
      file: r.file,
      index: r.index,
      apiVersion: r.apiVersion,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: r.status,
      allowed: r.status === "admitted",
      warnings: r.warnings.map((w) => warningText(w.field, w.message)),
      errors: [
        ...r.violations.map((v) => ({ field: v.error.field, message: errorBody(v.error) })),
        ...r.failures.map((f) => ({ field: "", message: `internal error in rule ${f.rule}: ${String(f.error)}` })),
      ],
      patch: r.patch,
    }),
  );
  return `${JSON.stringify(out, null, 2)}\n`;
}
