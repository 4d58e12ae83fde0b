// One run's report, which every output format renders: the results, a summary, the rules they may
// name (the catalog and the input checks), and the exit code they add up to.
import { API_VERSION, GROUP, KINDS } from "../../schemas/kinds.js";
import type { CatalogEntry } from "../admission/rule.js";
import type { CheckResult, LocatedFinding } from "./check.js";
import { INPUT_CHECKS } from "./inputs.js";
import type { Paint } from "./output/color.js";

/** A rule as reports describe it: the webhook's catalog and `validate`'s own input checks alike. */
export interface RuleDescriptor {
  readonly id: string;
  /** The kind it applies to; absent for input checks. */
  readonly kind?: string;
  readonly severity: string;
  readonly summary: string;
  readonly protects?: string;
  /** Where the behaviour it protects against is in the operator's (or barman-cloud's, botocore's) code. */
  readonly source?: string;
}

export interface Summary {
  /** Files (and stdin) read. */
  readonly files: number;
  /** Objects of this API that were judged: admitted + denied. */
  readonly checked: number;
  readonly admitted: number;
  readonly denied: number;
  readonly skipped: number;
  /** Results that could not be checked: input errors, or a rule that threw. */
  readonly errors: number;
  readonly warnings: number;
  /** Findings left out by the cnp-webhook.io/ignore annotation. */
  readonly ignored: number;
}

export interface Report {
  readonly results: readonly CheckResult[];
  readonly summary: Summary;
  readonly rules: readonly RuleDescriptor[];
  /** Warnings count as failures (--fail-on-warnings). */
  readonly failOnWarnings: boolean;
  /** Colour for a terminal (--color); text output only. */
  readonly paint?: Paint;
}

export const ruleDescriptors = (entries: readonly CatalogEntry[]): RuleDescriptor[] => [...entries, ...INPUT_CHECKS];

export function summarize(results: readonly CheckResult[], files: number): Summary {
  const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
  const admitted = count("admitted");
  const denied = count("denied");
  return {
    files,
    checked: admitted + denied,
    admitted,
    denied,
    skipped: count("skipped"),
    errors: count("error"),
    warnings: results.reduce((n, r) => n + r.findings.filter((f) => f.severity === "warning").length, 0),
    ignored: results.reduce((n, r) => n + r.ignored.length, 0),
  };
}

/** 2 when something could not be checked, 1 when something is denied (or warned, with --fail-on-warnings), else 0. */
export function exitCode(summary: Summary, failOnWarnings: boolean): number {
  if (summary.errors > 0) return 2;
  if (summary.denied > 0 || (failOnWarnings && summary.warnings > 0)) return 1;
  return 0;
}

/** Whether a result fails the run: denied or in error, or carrying warnings under --fail-on-warnings. */
export const fails = (r: CheckResult, failOnWarnings: boolean): boolean =>
  r.status === "denied" || r.status === "error" || (failOnWarnings && r.findings.some((f) => f.severity === "warning"));

/** How kubectl names an object: `cluster.postgresql.k8s.enterprisedb.io/pg`; a document without a kind by its place. */
export function objectRef(r: CheckResult): string {
  if (r.kind === "") return `${r.file}#${r.index}`;
  const group = r.apiVersion.includes("/") ? r.apiVersion.split("/")[0] : "";
  const info = KINDS.find((k) => k.kind === r.kind);
  const resource = group === GROUP && info ? info.singular : r.kind.toLowerCase();
  return `${resource}${group ? `.${group}` : ""}/${r.name || "<no name>"}`;
}

/**
 * Characters that a terminal, a log viewer, an XML or a YAML reader would act on rather than show: C0
 * and C1 controls (ESC starts terminal escape sequences; CR, LF and NEL start new lines, so a fake
 * summary, test point or workflow command), DEL, the line and paragraph separators, the bidirectional
 * overrides and isolates that reorder what is shown, the byte order mark, the noncharacters U+FFFE and
 * U+FFFF, and a surrogate without its pair (a JSON manifest can write one; no UTF-8 output can hold it).
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Text from a manifest (names, values, file names) made safe to print: unsafe characters as escapes (`\u001b`). */
export const escapeControl = (s: string): string => s.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);

/** `field: message`, or the message alone for the document as a whole. */
const findingText = (f: LocatedFinding): string => (f.field ? `${f.field}: ${f.message}` : f.message);

/**
 * The object a result is about, as people name it: `Cluster default/pg`; undefined for what is not an
 * object (a file that could not be read, a document without a kind). Every format names it beside the
 * place, which from stdin is only a line of the piped stream (README "Checking manifests in CI").
 */
export const objectName = (r: CheckResult): string | undefined =>
  r.kind ? `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name || "<no name>"}` : undefined;

/** A finding as every format words it: the object, then `field: message`. */
export const findingSentence = (r: CheckResult, f: LocatedFinding): string => {
  const object = objectName(r);
  return object ? `${object}: ${findingText(f)}` : findingText(f);
};

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What a run that judged nothing says, so that a green CI that checked nothing does not go unnoticed. */
export const NO_OBJECTS = `no ${KINDS.map((k) => k.kind).join(", ")} of ${API_VERSION} found`;
