// SARIF 2.1.0 for code scanning: the rule catalog and the input checks as the tool's rules, every
// finding a result located by file, line and column; findings the annotation ignores are results
// with an in-source suppression.
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from "node-sarif-builder";
import { sep } from "node:path";
import { pathToFileURL } from "node:url";
import { IGNORE_ANNOTATION } from "../../admission/ignore.js";
import { packageHomepage, packageVersion } from "../../version.js";
import type { CheckResult, LocatedFinding } from "../check.js";
import { escapeControl, findingSentence, objectName, type Report, type RuleDescriptor } from "../report.js";

const LEVELS: Record<string, "error" | "warning" | "note"> = { deny: "error", "deny or warn": "error", error: "error", warn: "warning", skip: "note" };

/**
 * A relative path stays relative (code scanning resolves it against the checkout), each segment
 * percent-encoded so that `#`, `?` or `%` in a name stay part of it; an absolute one becomes a file URI.
 */
const uriOf = (file: string): string => (file.startsWith(sep) ? pathToFileURL(file).href : file.split(sep).map(encodeURIComponent).join("/"));

/** Markdown would take `<name>` for an HTML tag and `*` for emphasis: backslash escapes keep them text (GFM). */
const markdownText = (s: string): string => s.replace(/[\\<>*_`[\]]/g, (c) => `\\${c}`);
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

/** How to fix what a rule or an input check found, from its catalog entry; `text` words the rule's own phrases. */
function fix(r: RuleDescriptor, text: (s: string) => string): string {
  if (!r.protects) return "the result's message says what to change in the input, or what to pipe to `cnp-webhook validate -` instead; then run it again.";
  return (
    `change the field the result names so that the check holds (${text(r.summary)}); the message says what is wrong and, where it can, what to write instead. ` +
    `Check again with \`npx cnp-webhook validate FILE\`. To accept the finding for one object, annotate it with \`${IGNORE_ANNOTATION}: ${r.id}\`.`
  );
}

/**
 * A rule as code scanning shows it: descriptions, and `help` (text and markdown, which GitHub requires
 * of every rule) with what it checks, what it protects against, the operator's source and how to fix.
 */
function rule(r: RuleDescriptor): SarifRuleBuilder {
  const built = new SarifRuleBuilder().initSimple({
    ruleId: r.id,
    shortDescriptionText: r.summary,
    fullDescriptionText: r.protects ? `${r.summary}. Protects against: ${r.protects}.` : r.summary,
  });
  const applies = r.kind ? `${r.kind}, ${r.severity}` : `the input, ${r.severity}`;
  const help = (text: (s: string) => string, label: (s: string) => string, id: string): string[] => [
    `${id} (${applies}): ${sentence(text(r.summary))}`,
    ...(r.protects ? [`${label("Protects against")} ${sentence(text(r.protects))}`] : []),
    ...(r.source ? [`${label("Source")} ${sentence(text(r.source))}`] : []),
    `${label("How to fix")} ${fix(r, text)}`,
  ];
  built.rule.help = {
    text: help(
      (s) => s,
      (l) => `${l}:`,
      r.id,
    ).join("\n"),
    markdown: help(markdownText, (l) => `**${l}:**`, `**${r.id}**`).join("\n\n"),
  };
  built.rule.defaultConfiguration = { level: LEVELS[r.severity] ?? "warning" };
  built.rule.properties = { ...(r.kind ? { kind: r.kind } : {}), severity: r.severity };
  return built;
}

function result(r: CheckResult, f: Pick<LocatedFinding, "rule" | "line" | "column">, level: "error" | "warning" | "note", text: string): SarifResultBuilder {
  // Messages are shown by code scanning and terminals alike: control characters as escapes, as in text.
  const built = new SarifResultBuilder().initSimple({ level, messageText: escapeControl(text), ruleId: f.rule, fileUri: uriOf(r.file) });
  built.setLocationRegion({ startLine: f.line, startColumn: f.column });
  // The object, beside the place: from stdin the place is only a line of the piped stream.
  const object = objectName(r);
  const [location] = built.result.locations ?? [];
  if (object && location) location.logicalLocations = [{ name: r.name, fullyQualifiedName: escapeControl(object), kind: "resource" }];
  return built;
}

export function formatSarif({ results, rules }: Report): string {
  const run = new SarifRunBuilder().initSimple({ toolDriverName: "cnp-webhook", toolDriverVersion: packageVersion(), url: packageHomepage() });
  for (const r of rules) run.addRule(rule(r));
  for (const r of results) {
    for (const f of r.findings) run.addResult(result(r, f, f.severity, findingSentence(r, f)));
    for (const f of r.ignored) {
      const ignored = result(r, f, f.severity, findingSentence(r, f));
      ignored.result.suppressions = [{ kind: "inSource", justification: `${IGNORE_ANNOTATION} on ${r.kind} ${r.name}` }];
      run.addResult(ignored);
    }
    if (r.status === "skipped" && r.skippedBy) {
      const object = objectName(r);
      run.addResult(result(r, { rule: r.skippedBy, line: r.line, column: 1 }, "note", object ? `${object}: ${r.hint ?? ""}` : (r.hint ?? "")));
    }
  }
  const log = new SarifBuilder();
  log.addRun(run);
  return `${log.buildSarifJsonString({ indent: true })}\n`;
}
