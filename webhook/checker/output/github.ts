// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=RULE::KIND NAMESPACE/NAME: FIELD:
// MESSAGE` per finding, which the runner turns into annotations on the pull request's lines.
import { escapeControl, findingSentence, objectName, plural, type Report } from "../report.js";

// Escaping as the runner reads it (the actions toolkit's command.ts): data escapes %, CR and LF;
// property values also : and ,. Other control characters are shown as escapes first (the log viewer
// renders ANSI sequences); that also leaves no CR or LF to escape, but the runner's rules still apply.
const escapeData = (s: string): string => escapeControl(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

const command = (name: string, properties: Record<string, string | number>, message: string): string =>
  `::${name} ${Object.entries(properties)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(",")}::${escapeData(message)}`;

export function formatGithub({ results, summary }: Report): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      lines.push(command(f.severity, { file: r.file, line: f.line, col: f.column, title: f.rule }, findingSentence(r, f)));
    }
    if (r.status === "skipped" && r.hint) {
      const object = objectName(r);
      lines.push(command("notice", { file: r.file, line: r.line, title: "skipped" }, object ? `${object}: ${r.hint}` : r.hint));
    }
  }
  lines.push(
    `cnp-webhook validate: ${plural(summary.checked, "object")} checked: ${summary.admitted} admitted, ${summary.denied} denied, ` +
      `${plural(summary.warnings, "warning")}, ${summary.skipped} skipped, ${plural(summary.errors, "error")}`,
  );
  return `${lines.join("\n")}\n`;
}
