// JUnit XML (the Jenkins/Ant dialect that CI test reports read): a suite per file, a test case per
// document; a denial is a failure, what could not be checked an error, a skipped document skipped.
import junitModule, { type Builder } from "junit-report-builder";
import { escapeControl, fails, findingText, objectRef, type Report } from "../report.js";

// junit-report-builder's types declare an ES `export default`, but the CommonJS build Node loads sets
// `module.exports` to the builder itself, which is what a default import gives at run time.
const junit = junitModule as unknown as Builder;

// XML 1.0 has no way to write most control characters, escaped or not (§2.2, Char): every text from the
// input is passed through escapeControl, and the builder escapes markup (<, &, quotes, `]]>`).
export function formatJunit({ results, failOnWarnings }: Report): string {
  const builder = junit.newBuilder().name("cnp-webhook validate");
  const suites = new Map<string, ReturnType<typeof builder.testSuite>>();
  for (const r of results) {
    const file = escapeControl(r.file);
    let suite = suites.get(r.file);
    if (!suite) {
      suite = builder.testSuite().name(file);
      suites.set(r.file, suite);
    }
    const test = suite
      .testCase()
      .className(file)
      .name(escapeControl(`${objectRef(r)} (${r.file}:${r.line})`))
      .file(file);
    const details = r.findings.map((f) => escapeControl(`${r.file}:${f.line}:${f.column}: ${f.severity}: ${findingText(f)} [${f.rule}]`)).join("\n");
    const first = r.findings.find((f) => f.severity === "error") ?? r.findings[0];
    const message = first ? escapeControl(`${findingText(first)} [${first.rule}]`) : "";
    if (r.status === "skipped") test.skipped().standardOutput(escapeControl(r.hint ?? ""));
    else if (r.status === "error") test.error(message, "error", details);
    else if (fails(r, failOnWarnings)) test.failure(message, r.status === "denied" ? "denied" : "warning").stacktrace(details);
    else if (details) test.standardOutput(details);
  }
  return `${builder.build()}\n`;
}
