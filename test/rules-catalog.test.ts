// The README's rule table is the catalog: written by `make generate` (tools/readme-catalog.ts) from the
// registry, so this only checks that it was run.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { catalogTable, withCatalog } from "../tools/readme-catalog.js";
import { catalog } from "../webhook/admission/catalog.js";
import { RULES } from "../webhook/rules/registry.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

test("README 'Rules' holds the catalog of the registry, as make generate writes it", () => {
  assert.equal(withCatalog(readme, RULES), readme, "README.md's rule table is stale: run make generate");
  const rows = catalogTable(RULES)
    .split("\n")
    .filter((l) => l.startsWith("| `"));
  assert.equal(rows.length, catalog(RULES).length);
});

test("every rule cites where the behaviour it protects against is", () => {
  for (const e of catalog(RULES)) assert.match(e.source, /cnp v0\.5\.0|barman|botocore|robfig|apimachinery|kubernetes|schemas\//, e.id);
});
