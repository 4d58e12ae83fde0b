// The README's rule table is the catalog: the same IDs, kinds, verdicts, reasons and sources, in order.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { catalog } from "../webhook/admission/catalog.js";
import { RULES } from "../webhook/rules/registry.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

test("README 'Rules' lists exactly the catalog of the registry", () => {
  const section = readme.slice(readme.indexOf("\n## Rules\n"), readme.indexOf("\n## ", readme.indexOf("\n## Rules\n") + 1));
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  const expected = catalog(RULES).map((e) => `| \`${e.id}\` | ${e.kind} | ${e.severity} | ${e.summary} | ${e.protects} (${e.source}) |`);
  assert.deepEqual(rows, expected);
  assert.equal(rows.length, 38);
});

test("every rule cites where the behaviour it protects against is", () => {
  for (const e of catalog(RULES)) assert.match(e.source, /cnp v0\.5\.0|barman|botocore|robfig|apimachinery|schemas\//, e.id);
});
