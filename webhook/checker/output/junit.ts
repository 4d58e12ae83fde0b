// JUnit XML (the Jenkins/Ant dialect that CI test reports read): a suite per file, a test case per
// document named after the object (`Cluster default/pg`); a denial is a failure, what could not be
// checked an error, a skipped document skipped with its reason.
//
// Written here rather than by a builder: junit-report-builder's CDATA sections escaped only the first
// `]]>` of a text, so a value holding two could close the section and write elements of its own. Here
// no CDATA is used; every text and attribute is escaped, and text from the input first passes through
// escapeControl, since XML 1.0 cannot carry most control characters, escaped or not (§2.2, Char).
import { escapeControl, fails, findingSentence, objectName, objectRef, type Report } from "../report.js";
import type { CheckResult } from "../check.js";

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
/** Text content and attribute values alike: markup characters as entities (no line break is left to fold). */
const xmlText = (s: string): string => escapeControl(s).replace(/[&<>"]/g, (c) => XML_ESCAPES[c] ?? c);

const element = (name: string, attributes: Record<string, string | number>, body?: string): string => {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join("");
  return body === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${body}</${name}>`;
};

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function testCase(r: CheckResult, failOnWarnings: boolean): { xml: string; outcome: keyof Omit<Counts, "tests"> | "passed" } {
  // Escaped line by line: a line break inside a finding becomes `\n`, the lines between findings stay.
  const details = r.findings.map((f) => `${r.file}:${f.line}:${f.column}: ${f.severity}: ${findingSentence(r, f)} [${f.rule}]`);
  const body = details.map(xmlText).join("\n");
  const first = r.findings.find((f) => f.severity === "error") ?? r.findings[0];
  const message = first ? `${findingSentence(r, first)} [${first.rule}]` : "";
  // The case is the object; the file is its class, as a test file is in other reports (and `line` for readers that take it).
  const attributes = { classname: r.file, name: objectName(r) ?? objectRef(r), file: r.file, line: r.line };
  if (r.status === "skipped") return { xml: element("testcase", attributes, element("skipped", { message: r.hint ?? "" })), outcome: "skipped" };
  if (r.status === "error") return { xml: element("testcase", attributes, element("error", { message, type: "error" }, body)), outcome: "errors" };
  if (fails(r, failOnWarnings))
    return {
      xml: element("testcase", attributes, element("failure", { message, type: r.status === "denied" ? "denied" : "warning" }, body)),
      outcome: "failures",
    };
  return { xml: element("testcase", attributes, body ? element("system-out", {}, body) : undefined), outcome: "passed" };
}

const countsOf = (outcomes: readonly string[]): Counts => ({
  tests: outcomes.length,
  failures: outcomes.filter((o) => o === "failures").length,
  errors: outcomes.filter((o) => o === "errors").length,
  skipped: outcomes.filter((o) => o === "skipped").length,
});

export function formatJunit({ results, failOnWarnings }: Report): string {
  const files = new Map<string, ReturnType<typeof testCase>[]>();
  for (const r of results) files.set(r.file, [...(files.get(r.file) ?? []), testCase(r, failOnWarnings)]);
  const suites = [...files].map(([file, cases]) =>
    element("testsuite", { name: file, ...countsOf(cases.map((c) => c.outcome)) }, `\n${cases.map((c) => `    ${c.xml}\n`).join("")}  `),
  );
  const all = countsOf([...files.values()].flat().map((c) => c.outcome));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element("testsuites", { name: "cnp-webhook validate", ...all }, `\n${suites.map((s) => `  ${s}\n`).join("")}`)}\n`;
}
