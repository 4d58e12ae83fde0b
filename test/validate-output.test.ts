// Every `validate --output` format, run in-process on a buffer and read back with a reader of that format:
// SARIF against the SARIF 2.1.0 schema, JUnit XML parsed, TAP parsed, GitHub annotation lines parsed;
// every finding with its rule, field, file, line and column. Then the scope flags and --print-defaulted.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, describe, test } from "node:test";
import { runMain } from "../tools/testkit/cli.js";
import { parseJunit, parseTap, parseWorkflowCommands, sarifErrors } from "../tools/testkit/readers.js";
import { RULES } from "../webhook/rules/registry.js";
import { catalog } from "../webhook/admission/catalog.js";
import { INPUT_CHECKS } from "../webhook/checker/inputs.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const API = "apiVersion: postgresql.k8s.enterprisedb.io/v1alpha1";
const MANIFESTS = [
  "apiVersion: v1\nkind: Secret\nmetadata: {name: aws-creds}\nstringData: {ACCESS_KEY_ID: a, ACCESS_SECRET_KEY: b}",
  `${API}\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 3\n  imageName: quay.io/enterprisedb/postgresql:13.2\n  storage:\n    size: 1Gi\n  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/pg\n      s3Credentials:\n        accessKeyId:\n          name: aws-creds\n        secretAccessKey:\n          name: other-creds\n          key: SECRET\n      wal:\n        encryption: SHA256`,
  "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: cnpg}\nspec: {instances: 3}",
  `${API}\nkind: Backup\nmetadata: {name: ok}\nspec:\n  cluster:\n    name: pg`,
].join("\n---\n");
const BROKEN = `${API}\nkind: Backup\nmetadata: {name: x\n`;

let dir: string;
let manifests: string;
let broken: string;
/** The JSON results: the reference every other format is compared with. */
let expected: JsonResult[];

/** The SARIF Multitool binary of this platform (an npm dependency), if it is there and executable. */
async function sarifMultitool(): Promise<string | undefined> {
  try {
    const binary = ((await import("@microsoft/sarif-multitool")) as { default: string }).default;
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

/** Line and column (1-based) where `needle` starts in `text`. */
function position(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "cnp-validate-output-"));
  manifests = join(dir, "manifests.yaml");
  broken = join(dir, "zz-broken.yaml");
  writeFileSync(manifests, MANIFESTS);
  writeFileSync(broken, BROKEN);
  const r = await runMain(["validate", "-o", "json", dir]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  expected = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
});

/** Every finding of the JSON results, as [file, line, column, rule, severity]. */
const jsonFindings = (): (string | number)[][] =>
  expected.flatMap((r) => [
    ...r.errors.map((e) => [r.file, e.line, e.column, e.rule, "error"]),
    ...r.warnings.map((w) => [r.file, w.line, w.column, w.rule, "warning"]),
  ]);

describe("the findings every format carries", () => {
  test("JSON: status per document, and each finding on the line of its field (nested, in a multi-document file)", () => {
    assert.deepEqual(
      expected.map((r) => [r.kind, r.name, r.status]),
      [
        ["Cluster", "pg", "denied"],
        ["Cluster", "cnpg", "skipped"],
        ["Backup", "ok", "admitted"],
        ["", "", "error"],
      ],
    );
    const [pg] = expected;
    const encryption = pg?.errors.find((e) => e.field === "spec.backup.barmanObjectStore.wal.encryption");
    assert.equal(encryption?.rule, "cluster/schema");
    assert.deepEqual({ line: encryption?.line, column: encryption?.column }, position(MANIFESTS, "encryption: SHA256"));
    const secret = pg?.warnings.find((w) => w.field === "spec.backup.barmanObjectStore.s3Credentials.secretAccessKey.name");
    assert.ok(secret, JSON.stringify(pg?.warnings));
    assert.deepEqual({ line: secret.line, column: secret.column }, position(MANIFESTS, "name: other-creds"));
    assert.deepEqual({ line: expected[3]?.errors[0]?.line, rule: expected[3]?.errors[0]?.rule }, { line: 4, rule: "input/syntax" });
  });

  test("SARIF: valid against the SARIF 2.1.0 schema; the rules are the catalog and the input checks; same locations", async () => {
    const r = await runMain(["validate", "-o", "sarif", dir]);
    assert.equal(r.code, 2);
    const log = JSON.parse(r.stdout);
    assert.deepEqual(sarifErrors(log), []);
    const [run] = log.runs;
    assert.equal(run.tool.driver.name, "cnp-webhook");
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    assert.deepEqual(ruleIds, [...catalog(RULES).map((e) => e.id), ...INPUT_CHECKS.map((c) => c.id)]);
    const located = run.results
      .filter((x: { level: string }) => x.level !== "note")
      .map((x: any) => {
        const { artifactLocation, region } = x.locations[0].physicalLocation;
        assert.equal(run.tool.driver.rules[x.ruleIndex].id, x.ruleId);
        return [fileURLToPath(artifactLocation.uri), region.startLine, region.startColumn, x.ruleId, x.level];
      });
    assert.deepEqual(located, jsonFindings());
    const skipped = run.results.filter((x: { level: string }) => x.level === "note");
    assert.deepEqual(
      skipped.map((x: { ruleId: string }) => x.ruleId),
      ["input/other-api"],
    );
    // Every result names its object, in its message and as a logical location.
    const pg = run.results.find((x: any) => x.ruleId === "cluster/schema");
    assert.match(pg.message.text, /^Cluster default\/pg: spec\./);
    assert.deepEqual(pg.locations[0].logicalLocations, [{ name: "pg", fullyQualifiedName: "Cluster default/pg", kind: "resource" }]);
  });

  test("SARIF for GitHub code scanning: the tool's informationUri; every rule's help, text and markdown, from the catalog", async () => {
    const run = JSON.parse((await runMain(["validate", "-o", "sarif", dir])).stdout).runs[0];
    assert.match(run.tool.driver.informationUri, /^https:\/\/\S+$/);
    const entries = new Map<string, { summary: string; protects?: string; source?: string }>([...catalog(RULES), ...INPUT_CHECKS].map((e) => [e.id, e]));
    for (const rule of run.tool.driver.rules as { id: string; help: { text: string; markdown: string } }[]) {
      const entry = entries.get(rule.id);
      assert.ok(entry, rule.id);
      assert.ok(rule.help.text.includes(entry.summary), rule.id);
      assert.match(rule.help.text, /How to fix: /, rule.id);
      assert.match(rule.help.markdown, /\*\*How to fix:\*\* /, rule.id);
      for (const part of [entry.protects, entry.source].filter((p): p is string => p !== undefined)) {
        assert.ok(rule.help.text.includes(part), `${rule.id}: ${part}`);
        // Markdown escapes what it would otherwise read as tags or emphasis, and shows the same words.
        assert.ok(rule.help.markdown.replace(/\\(.)/g, "$1").includes(part), `${rule.id}: ${part}`);
      }
    }
  });

  test("SARIF: Microsoft's SARIF Multitool finds nothing to report with GitHub's rules and its own (GH*, SARIF*)", async (t) => {
    const binary = await sarifMultitool();
    if (!binary) return t.skip("no SARIF Multitool for this platform, or not executable (make install makes it so)");
    const out = mkdtempSync(join(tmpdir(), "cnp-multitool-"));
    const sarif = join(out, "cnp.sarif");
    writeFileSync(sarif, (await runMain(["validate", "-o", "sarif", dir])).stdout);
    const checked = spawnSync(binary, ["validate", "--rule-kind", "Gh;Sarif", "--log", "ForceOverwrite", "--output", join(out, "verdict.sarif"), sarif], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    const verdict = JSON.parse(readFileSync(join(out, "verdict.sarif"), "utf8"));
    const found = verdict.runs[0].results.map(
      (x: { ruleId: string; message: { text?: string; id?: string } }) => `${x.ruleId}: ${x.message.text ?? x.message.id}`,
    );
    assert.deepEqual(found, [], checked.stdout);
    assert.match(checked.stdout, /1 files scanned/);
  });

  test("JUnit: parsed back, a suite per file, a case per document; failures, errors and skips counted", async () => {
    const r = await runMain(["validate", "-o", "junit", dir]);
    assert.equal(r.code, 2);
    const xml = parseJunit(r.stdout);
    const suites = xml.testsuites.testsuite as any[];
    assert.deepEqual(
      suites.map((s) => [s.name, Number(s.tests), Number(s.failures), Number(s.errors), Number(s.skipped)]),
      [
        [manifests, 3, 1, 0, 1],
        [broken, 1, 0, 1, 0],
      ],
    );
    assert.deepEqual([xml.testsuites.tests, xml.testsuites.failures, xml.testsuites.errors, xml.testsuites.skipped].map(Number), [4, 1, 1, 1]);
    // A case per object, named as people name it; the file is its class.
    assert.deepEqual(
      suites[0].testcase.map((c: any) => [c.name, c.classname]),
      [
        ["Cluster default/pg", manifests],
        ["Cluster default/cnpg", manifests],
        ["Backup default/ok", manifests],
      ],
    );
    const [pg, cnpg] = suites[0].testcase;
    assert.equal(pg.file, manifests);
    assert.equal(Number(pg.line), position(MANIFESTS, `${API}\nkind: Cluster`).line);
    const { line, column } = position(MANIFESTS, "encryption: SHA256");
    assert.ok(
      pg.failure["#text"].includes(`${manifests}:${line}:${column}: error: Cluster default/pg: spec.backup.barmanObjectStore.wal.encryption: `),
      pg.failure["#text"],
    );
    assert.match(pg.failure.message, /^Cluster default\/pg: .*\[cluster\/schema\]$/);
    assert.equal(cnpg.skipped.message, expected[1]?.hint, "a skipped case says why");
  });

  test("TAP: parsed back with tap-parser; a point per document; findings in the YAML block", async () => {
    const r = await runMain(["validate", "-o", "tap", dir]);
    assert.equal(r.code, 2);
    const { points, final, extra } = await parseTap(r.stdout);
    assert.deepEqual(extra, [], "every line is TAP");
    assert.deepEqual([final.count, final.pass, final.fail, final.skip, final.plan.end], [4, 2, 2, 1, 4]);
    assert.deepEqual(
      points.map((p) => [p.ok, p.name.replace(/ \(.*\)$/, "")]),
      [
        [false, "Cluster default/pg"],
        [true, "Cluster default/cnpg"],
        [true, "Backup default/ok"],
        [false, `${broken}#0`],
      ],
    );
    assert.deepEqual(points[0]?.diag.errors, expected[0]?.errors);
    assert.deepEqual(points[0]?.diag.warnings, expected[0]?.warnings);
  });

  test("GitHub: one workflow command per finding, with file, line, column and rule", async () => {
    const r = await runMain(["validate", "-o", "github", dir]);
    assert.equal(r.code, 2);
    const commands = parseWorkflowCommands(r.stdout).map((c) => ({ level: c.command, ...c.properties, message: c.message }));
    assert.equal(commands.length, r.stdout.split("\n").filter((l) => l.startsWith("::")).length, "every :: line reads as a command");
    assert.deepEqual(
      commands.filter((c) => c.level !== "notice").map((c: any) => [c.file, Number(c.line), Number(c.col), c.title, c.level]),
      jsonFindings(),
    );
    assert.deepEqual(
      commands.filter((c) => c.level === "notice").map((c: any) => [c.file, c.title]),
      [[manifests, "skipped"]],
    );
    assert.match(
      r.stdout.trimEnd().split("\n").pop() ?? "",
      /^cnp-webhook validate: 2 objects checked: 1 admitted, 1 denied, \d+ warnings?, 1 skipped, 1 error$/,
    );
  });
});

describe("scope control", () => {
  const clusterWithWarning = `${API}\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 3\n  imageName: quay.io/enterprisedb/postgresql:13.2\n  storage: {size: 1Gi}\n  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/pg\n      s3Credentials:\n        accessKeyId: {name: not-in-the-files}\n`;

  test("--fail-on-warnings: warnings make the run fail, in every format", async () => {
    assert.equal((await runMain(["validate", "-"], { stdin: clusterWithWarning })).code, 0);
    const failing = await runMain(["validate", "--fail-on-warnings", "-"], { stdin: clusterWithWarning });
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /admitted \(STDIN:1; 4 defaults would be applied; warnings fail the run \(--fail-on-warnings\)\)/);
    const tap = await runMain(["validate", "--fail-on-warnings", "-o", "tap", "-"], { stdin: clusterWithWarning });
    assert.match(tap.stdout, /^not ok 1 - /m);
  });

  test("--skip-kind reports those objects as skipped; they stay cluster state", async () => {
    const stdin = `${clusterWithWarning}---\n${API}\nkind: Backup\nmetadata: {name: b}\nspec: {cluster: {name: pg}}\n`;
    const r = await runMain(["validate", "-o", "json", "--skip-kind", "cluster", "-"], { stdin });
    assert.equal(r.code, 0);
    const { results } = JSON.parse(r.stdout) as { results: JsonResult[] };
    assert.deepEqual(
      results.map((x) => [x.kind, x.status]),
      [
        ["Cluster", "skipped"],
        ["Backup", "admitted"],
      ],
    );
    assert.deepEqual(results[1]?.warnings, [], "the skipped Cluster still answers the Backup's lookup");
  });

  test("the annotation cnp-webhook.io/ignore leaves those rules' findings out; an unknown ID is a warning", async () => {
    const plain = JSON.parse((await runMain(["validate", "-o", "json", "-"], { stdin: clusterWithWarning })).stdout) as { results: JsonResult[] };
    const rule = plain.results[0]?.warnings[0]?.rule;
    assert.ok(rule);
    const annotated = clusterWithWarning.replace("  name: pg\n", `  name: pg\n  annotations:\n    cnp-webhook.io/ignore: "${rule}, no/such-rule"\n`);
    const r = await runMain(["validate", "-o", "json", "--fail-on-warnings", "-"], { stdin: annotated.replace("instances: 3", "instances: 0") });
    const [result] = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
    assert.deepEqual(
      result?.ignored.map((f) => f.rule),
      [rule],
    );
    assert.deepEqual(
      result?.warnings.map((w) => [w.rule, w.field]),
      [["input/ignore-annotation", "metadata.annotations[cnp-webhook.io/ignore]"]],
    );
    assert.deepEqual(
      result?.errors.map((e) => e.rule),
      ["cluster/schema"],
      "other rules still deny",
    );
    const sarif = JSON.parse((await runMain(["validate", "-o", "sarif", "-"], { stdin: annotated })).stdout);
    const suppressed = sarif.runs[0].results.filter((x: { suppressions?: unknown[] }) => x.suppressions);
    assert.deepEqual(
      suppressed.map((x: { ruleId: string }) => x.ruleId),
      [rule],
    );
  });

  test("--print-defaulted writes the objects as the mutating webhook leaves them, comments kept; the output validates", async () => {
    const stdin = `# the team's cluster\n${clusterWithWarning.replace("  instances: 3\n", "  instances: 3 # three zones\n  description: null\n")}status:\n  phase: exported\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept}\n`;
    const r = await runMain(["validate", "--print-defaulted", "-"], { stdin });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cluster\.postgresql\.k8s\.enterprisedb\.io\/pg admitted/, "the report goes to stderr");
    assert.match(r.stdout, /^# the team's cluster$/m);
    assert.match(r.stdout, /instances: 3 # three zones/);
    assert.match(r.stdout, /imageName: quay\.io\/enterprisedb\/postgresql:13\.2/);
    assert.match(r.stdout, /bootstrap:\n {4}initdb:\n {6}database: app\n {6}owner: app/);
    assert.match(r.stdout, /key: ACCESS_KEY_ID/);
    assert.doesNotMatch(r.stdout, /status:|description:/, "status and pruned nulls are gone");
    assert.match(r.stdout, /kind: ConfigMap/);
    const again = await runMain(["validate", "-o", "json", "-"], { stdin: r.stdout });
    assert.equal(again.code, 0);
    const [result] = (JSON.parse(again.stdout) as { results: JsonResult[] }).results;
    assert.deepEqual(result?.patch, [], "nothing is left to default");
    assert.equal(result?.status, "admitted");
  });

  test("--print-defaulted with merge keys falls back to plain YAML that validates the same", async () => {
    const merged = `${API}\nkind: Backup\nmetadata: &meta {name: b}\nspec:\n  cluster:\n    <<: {name: pg}\n`;
    const r = await runMain(["validate", "--print-defaulted", "-"], { stdin: merged });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /<<|&meta/);
    assert.match(r.stdout, /postgresql\.k8s\.enterprisedb\.io\/cluster: pg/);
    const again = await runMain(["validate", "-o", "json", "-"], { stdin: r.stdout });
    assert.deepEqual((JSON.parse(again.stdout) as { results: JsonResult[] }).results[0]?.patch, []);
  });
});
