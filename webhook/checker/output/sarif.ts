// SARIF 2.1.0 for code scanning: the rule catalog and the input checks as the tool's rules, every
// finding a result located by file, line and column; findings the annotation ignores are results
// with an in-source suppression.
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from "node-sarif-builder";
import { sep } from "node:path";
import { pathToFileURL } from "node:url";
import { IGNORE_ANNOTATION } from "../../admission/ignore.js";
import { packageVersion } from "../../version.js";
import type { LocatedFinding } from "../check.js";
import { escapeControl, findingText, type Report, type RuleDescriptor } from "../report.js";

const LEVELS: Record<string, "error" | "warning" | "note"> = { deny: "error", "deny or warn": "error", error: "error", warn: "warning", skip: "note" };

/**
 * A relative path stays relative (code scanning resolves it against the checkout), each segment
 * percent-encoded so that `#`, `?` or `%` in a name stay part of it; an absolute one becomes a file URI.
 */
const uriOf = (file: string): string => (file.startsWith(sep) ? pathToFileURL(file).href : file.split(sep).map(encodeURIComponent).join("/"));

function rule(r: RuleDescriptor): SarifRuleBuilder {
  const built = new SarifRuleBuilder().initSimple({
    ruleId: r.id,
    shortDescriptionText: r.summary,
    fullDescriptionText: r.protects ? `${r.summary}. Protects against: ${r.protects}.` : r.summary,
  });
  built.rule.defaultConfiguration = { level: LEVELS[r.severity] ?? "warning" };
  built.rule.properties = { ...(r.kind ? { kind: r.kind } : {}), severity: r.severity };
  return built;
}

function result(file: string, f: Pick<LocatedFinding, "rule" | "line" | "column">, level: "error" | "warning" | "note", text: string): SarifResultBuilder {
  // Messages are shown by code scanning and terminals alike: control characters as escapes, as in text.
  const built = new SarifResultBuilder().initSimple({ level, messageText: escapeControl(text), ruleId: f.rule, fileUri: uriOf(file) });
  built.setLocationRegion({ startLine: f.line, startColumn: f.column });
  return built;
}

export function formatSarif({ results, rules }: Report): string {
  const run = new SarifRunBuilder().initSimple({ toolDriverName: "cnp-webhook", toolDriverVersion: packageVersion() });
  for (const r of rules) run.addRule(rule(r));
  for (const r of results) {
    for (const f of r.findings) run.addResult(result(r.file, f, f.severity, findingText(f)));
    for (const f of r.ignored) {
      const ignored = result(r.file, f, f.severity, findingText(f));
      ignored.result.suppressions = [{ kind: "inSource", justification: `${IGNORE_ANNOTATION} on ${r.kind} ${r.name}` }];
      run.addResult(ignored);
    }
    if (r.status === "skipped" && r.skippedBy) run.addResult(result(r.file, { rule: r.skippedBy, line: r.line, column: 1 }, "note", r.hint ?? ""));
  }
  const log = new SarifBuilder();
  log.addRun(run);
  return `${log.buildSarifJsonString({ indent: true })}\n`;
}
