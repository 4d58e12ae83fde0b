// `make generate`, last step: the README's rule table from the registry (README "Rules"), so that a rule
// is added or changed in its own file and test only. `make check-generated` fails when README.md drifts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { catalog } from "../webhook/admission/catalog.js";
import type { Registry } from "../webhook/admission/rule.js";
import { RULES } from "../webhook/rules/registry.js";

const BEGIN = "<!-- rules:begin (make generate writes this table from the registry) -->";
const END = "<!-- rules:end -->";

/** The table, one row per rule ID of the catalog. */
export function catalogTable(registry: Registry): string {
  const rows = catalog(registry).map((e) => `| \`${e.id}\` | ${e.kind} | ${e.severity} | ${e.summary} | ${e.protects} (${e.source}) |`);
  return ["| ID | kind | verdict | why | the operator behaviour it protects against (source) |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** `readme` with the table between the markers replaced. */
export function withCatalog(readme: string, registry: Registry): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END}`);
  return `${readme.slice(0, start + BEGIN.length)}\n${catalogTable(registry)}\n${readme.slice(end)}`;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  // Compiled to dist/tools/: the repository is two levels up.
  const file = join(fileURLToPath(new URL("../../", import.meta.url)), "README.md");
  const before = readFileSync(file, "utf8");
  const after = withCatalog(before, RULES);
  if (after !== before) {
    writeFileSync(file, after);
    console.log("wrote README.md (rule catalog)");
  }
}
