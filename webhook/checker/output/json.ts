// One JSON object for scripts: every result with its findings located, and a summary.
import type { CheckResult, LocatedFinding } from "../check.js";
import type { Report, Summary } from "../report.js";

type JsonFinding = Omit<LocatedFinding, "severity">;

/** What `--output json` prints per document (README "Checking manifests in CI"). */
export interface JsonResult {
  file: string;
  line: number;
  index: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: CheckResult["status"];
  hint?: string;
  warnings: JsonFinding[];
  errors: JsonFinding[];
  ignored: JsonFinding[];
  patch: CheckResult["patch"];
}

const strip = ({ severity: _, ...f }: LocatedFinding): JsonFinding => f;

export function formatJson({ results, summary }: Report): string {
  const out: { results: JsonResult[]; summary: Summary } = {
    results: results.map((r) => ({
      file: r.file,
      line: r.line,
      index: r.index,
      apiVersion: r.apiVersion,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: r.status,
      ...(r.hint ? { hint: r.hint } : {}),
      warnings: r.findings.filter((f) => f.severity === "warning").map(strip),
      errors: r.findings.filter((f) => f.severity === "error").map(strip),
      ignored: r.ignored.map(strip),
      patch: r.patch,
    })),
    summary,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
