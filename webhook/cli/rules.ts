// `cnp-webhook rules`: the rule catalog (README "Rules"), from the registry itself: never a second list.
import { catalog } from "../admission/catalog.js";
import type { Registry } from "../admission/rule.js";
import { UsageError, defineCommand, type Command } from "./command.js";

const HELP = `cnp-webhook rules: every rule of the webhook, with its kind, severity and why

Usage: cnp-webhook rules [--output text|json]

The IDs are the ones findings carry (logs, metrics, validate's output) and the annotation
cnp-webhook.io/ignore names. --output json prints an array of {id, kind, severity, summary, protects}.
`;

export const rulesCommand = (registry: Registry): Command =>
  defineCommand({
    name: "rules",
    summary: "list the rules (ID, kind, deny/warn, why)",
    help: HELP,
    options: { output: { type: "string", short: "o" } },
    async run(values, _positionals, io) {
      const entries = catalog(registry);
      const output = values.output ?? "text";
      if (output === "json") {
        io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
        return 0;
      }
      if (output !== "text") throw new UsageError(`--output must be text or json, not ${JSON.stringify(output)}`);
      const rows = [["ID", "KIND", "SEVERITY", "WHY"], ...entries.map((e) => [e.id, e.kind, e.severity, e.summary])];
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
      const indent = " ".repeat(widths.reduce((a, b) => a + b + 2, 0));
      const lines = rows.map((r, i) => {
        const line = r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell)).join("  ");
        const entry = entries[i - 1];
        return entry ? `${line}\n${indent}protects against: ${entry.protects}` : line;
      });
      io.stdout(`${lines.join("\n")}\n`);
      return 0;
    },
  });
