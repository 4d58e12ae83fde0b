// What `npm install cnp-webhook` gives a user: the package `npm pack` makes from this checkout holds what
// the commands, the library entry point and the README's paths need, and none of the tests, fixtures,
// benchmarks or fuzzers (package.json `files`).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KINDS } from "../schemas/kinds.js";
import { FIXTURES, REPO_ROOT } from "../tools/testkit/paths.js";

let dir: string;
let files: string[];
let installed: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "cnp-pack-"));
  const packed = spawnSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, encoding: "utf8" });
  assert.equal(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  files = info.files.map((f) => f.path);
  const untar = spawnSync("tar", ["-xzf", join(dir, info.filename), "-C", dir]);
  assert.equal(untar.status, 0, String(untar.stderr));
  // The dependencies as npm would install them beside the package.
  installed = join(dir, "package");
  symlinkSync(join(REPO_ROOT, "node_modules"), join(installed, "node_modules"));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("the npm package", () => {
  test("no test, fixture, benchmark or fuzz file is published", () => {
    const unwanted = files.filter((f) => /\.test\.|^dist\/(test|tools)\//.test(f));
    assert.deepEqual(unwanted, []);
  });

  test("what the README points users at is there: the bin, the entry point, the CRDs, the JSON Schemas, the schema sources", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { bin: Record<string, string>; main: string; types: string };
    for (const f of [...Object.values(pkg.bin), pkg.main, pkg.types, "generated/jsonschema/cnp-webhook.json"]) assert.ok(files.includes(f), f);
    for (const k of KINDS) {
      assert.ok(files.includes(`generated/jsonschema/postgresql.k8s.enterprisedb.io/${k.singular}_v1alpha1.json`), k.kind);
      assert.ok(files.includes(`generated/crds/postgresql.k8s.enterprisedb.io_${k.plural}.yaml`), k.kind);
      assert.ok(files.includes(`schemas/${k.schemaFile}`), k.kind);
    }
  });

  test("the installed command runs: validate judges the seeds, rules lists the catalog", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(installed, "dist/webhook/cli/bin.js"), ...args], { cwd: dir, encoding: "utf8" });
    const validated = run("validate", "-o", "json", join(FIXTURES, "manifests", "good"));
    assert.equal(validated.status, 0, validated.stderr + validated.stdout);
    assert.ok((JSON.parse(validated.stdout) as { summary: { admitted: number } }).summary.admitted > 0);
    const rules = run("rules", "-o", "json");
    assert.equal(rules.status, 0, rules.stderr);
    assert.ok((JSON.parse(rules.stdout) as unknown[]).length > 30);
  });
});
