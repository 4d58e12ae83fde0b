// `migrate`, `rules` and `schedule` in-process on buffers, and `kubectl kustomize DIR | cnp-webhook validate --output github -`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { API_VERSION, DRAFT_API_VERSION } from "../schemas/kinds.js";
import { catalog } from "../webhook/admission/catalog.js";
import { RULES } from "../webhook/rules/registry.js";
import { runMain } from "../tools/testkit/cli.js";
import { kustomizeUnavailable } from "../tools/testkit/kubectl.js";
import { readOracleLines, ROBFIG_ORACLE, type RobfigLine } from "../tools/testkit/oracle.js";
import { FIXTURES } from "../tools/testkit/paths.js";
import { parseWorkflowCommands } from "../tools/testkit/readers.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const DRAFT = join(FIXTURES, "draft");
const results = (stdout: string) => (JSON.parse(stdout) as { results: JsonResult[] }).results;

describe("cnp-webhook migrate", () => {
  test("the draft's examples: group, flat spec.backup and SHA256 rewritten, comments kept, the output validates", async () => {
    const files = readdirSync(DRAFT).map((f) => join(DRAFT, f));
    const r = await runMain(["migrate", ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, new RegExp(DRAFT_API_VERSION.replace(/\./g, "\\.")));
    assert.match(r.stdout, /^# Seed 001 \(early draft\) "How to manage your cloud credentials"/m, "comments kept");
    assert.match(r.stdout, /encryption: AES256 # was SHA256 in the early draft/);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
    assert.equal(docs.length, files.length);
    for (const doc of docs) {
      assert.equal(doc.apiVersion, API_VERSION);
      assert.equal(doc.spec.backup.destinationPath, undefined);
      assert.equal(doc.spec.backup.barmanObjectStore.destinationPath, "s3://backups/pg");
      assert.deepEqual(Object.keys(doc.spec), ["instances", "storage", "backup"], "key order kept");
    }
    assert.match(r.stderr, /02-cluster-wal\.yaml#0 Cluster\/cluster-wal: .*wal\.encryption SHA256 → AES256/);
    assert.match(r.stderr, /^2 documents migrated$/m);

    const secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: aws-creds}\nstringData: {ACCESS_KEY_ID: a, ACCESS_SECRET_KEY: b}\n";
    const validated = await runMain(["validate", "-o", "json", "-"], { stdin: `${r.stdout}---\n${secret}` });
    assert.equal(validated.code, 0, validated.stdout);
    assert.deepEqual(
      results(validated.stdout).map((x) => [x.name, x.status, x.errors]),
      [
        ["cluster-example", "admitted", []],
        ["cluster-wal", "admitted", []],
      ],
    );
  });

  test("--in-place rewrites changed files only; other documents and files are kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cnp-migrate-"));
    copyFileSync(join(DRAFT, "02-cluster-wal.yaml"), join(dir, "draft.yaml"));
    const current = `# current already\napiVersion: ${API_VERSION}\nkind: Backup\nmetadata: {name: b}\nspec: {cluster: {name: pg}}\n`;
    writeFileSync(join(dir, "current.yaml"), current);
    const r = await runMain(["migrate", "--in-place", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(readFileSync(join(dir, "current.yaml"), "utf8"), current);
    assert.match(readFileSync(join(dir, "draft.yaml"), "utf8"), /barmanObjectStore:/);
    assert.match(r.stderr, /^1 document migrated in place$/m);
    assert.equal((await runMain(["migrate", "--in-place", "-"])).code, 2, "stdin cannot be rewritten in place");
  });
});

describe("cnp-webhook rules", () => {
  test("text and JSON list the catalog: ID, kind, deny/warn, why", async () => {
    const json = await runMain(["rules", "-o", "json"]);
    assert.equal(json.code, 0);
    const entries = JSON.parse(json.stdout) as { id: string; kind: string; severity: string; summary: string; protects: string }[];
    assert.deepEqual(entries, JSON.parse(JSON.stringify(catalog(RULES))));
    assert.ok(entries.every((e) => e.id && e.kind && e.severity && e.summary && e.protects));
    const text = await runMain(["rules"]);
    assert.equal(text.code, 0);
    const lines = text.stdout.split("\n");
    assert.match(lines[0] ?? "", /^ID +KIND +SEVERITY +WHY$/);
    for (const e of entries)
      assert.ok(
        lines.some((l) => l.startsWith(`${e.id} `) && l.includes(e.summary)),
        e.id,
      );
    assert.equal((await runMain(["rules", "-o", "xml"])).code, 2);
  });
});

describe("cnp-webhook schedule", () => {
  /** Each oracle schedule's exit code from `schedule`, for the comparison with validate below. */
  const exitCodes = new Map<string, number>();

  test("agrees with robfig/cron v1.2.0 itself on every line of the oracle: accepted or its error, next firings, shortest gap", async (t) => {
    const oracle = readOracleLines<RobfigLine>(t, ROBFIG_ORACLE);
    if (!oracle) return;
    let compared = 0;
    for (const line of oracle) {
      const r = await runMain(["schedule", "--from", "2021-03-01T00:00:00Z", "-o", "json", "--", line.spec]);
      exitCodes.set(line.spec, r.code);
      const report = JSON.parse(r.stdout) as { accepted: boolean; error?: string; next?: string[]; neverFires?: boolean; minGapSeconds?: number };
      assert.equal(report.accepted, line.ok, line.spec);
      if (!line.ok) {
        assert.equal(report.error, line.error, line.spec);
        assert.equal(r.code, 1);
        continue;
      }
      if (line.never) assert.equal(report.neverFires, true, line.spec);
      else if (line.next) assert.deepEqual(report.next, line.next.slice(0, 5), line.spec);
      if (line.minGapSeconds !== undefined) assert.equal(report.minGapSeconds, line.minGapSeconds, line.spec);
      compared++;
    }
    assert.ok(compared > 1000, `${compared} accepted lines compared`);
  });

  test("one verdict: schedule exits 1 exactly when validate denies a ScheduledBackup with that schedule, on every oracle line", async (t) => {
    if (exitCodes.size === 0) return t.skip("the oracle test above did not run");
    const cluster = `apiVersion: ${API_VERSION}\nkind: Cluster\nmetadata: {name: pg}\nspec:\n  instances: 1\n  storage: {size: 1Gi}\n  backup:\n    barmanObjectStore:\n      destinationPath: s3://acme-backups/pg\n      s3Credentials:\n        accessKeyId: {name: c, key: k}\n        secretAccessKey: {name: c, key: k}\n`;
    const specs = [...exitCodes.keys()];
    const docs = specs.map(
      (spec, i) =>
        `apiVersion: ${API_VERSION}\nkind: ScheduledBackup\nmetadata: {name: s-${i}}\nspec:\n  schedule: ${JSON.stringify(spec)}\n  cluster: {name: pg}\n`,
    );
    const dir = mkdtempSync(join(tmpdir(), "cnp-schedules-"));
    writeFileSync(join(dir, "schedules.yaml"), [cluster, ...docs].join("---\n"));
    const r = await runMain(["validate", "-o", "json", "--max-documents", "100000", dir]);
    const denied = new Map(
      results(r.stdout)
        .filter((x) => x.kind === "ScheduledBackup")
        .map((x) => [x.name, x.status]),
    );
    const disagreements = specs.filter((spec, i) => (denied.get(`s-${i}`) === "denied") !== (exitCodes.get(spec) === 1));
    assert.deepEqual(disagreements, []);
    assert.ok([...denied.values()].filter((s) => s === "denied").length > 100 && [...denied.values()].includes("admitted"));
  });

  test("five fields get both readings and the webhook's denial; a refused schedule exits 1 with robfig's error", async () => {
    const five = await runMain(["schedule", "--from", "2021-03-01T00:00:00Z", "0 0 * * *"]);
    assert.equal(five.code, 1, "validate denies a five-field schedule: so does schedule");
    assert.match(
      five.stdout,
      /^the webhook denies a ScheduledBackup with this schedule:\n {2}error: spec\.schedule: Invalid value: "0 0 \* \* \*": has 5 fields, .* \[schedule\/five-fields\]$/m,
    );
    assert.match(five.stdout, /the operator \(second minute hour day-of-month month\): every hour at minute 0/);
    assert.match(five.stdout, /a crontab +\(minute hour day-of-month month day-of-week\): daily at 00:00:00/);
    assert.match(five.stdout, /^ {4}2021-03-01T01:00:00Z {3}/m);
    const refused = await runMain(["schedule", "0 0 0 * * 7"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /End of range \(7\) above maximum \(6\): 7/);
  });
});

test("kubectl kustomize DIR | cnp-webhook validate --output github -: annotations on the right lines", { skip: kustomizeUnavailable }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "cnp-kustomize-"));
  writeFileSync(join(dir, "kustomization.yaml"), "resources: [cluster.yaml]\nnamespace: prod\n");
  writeFileSync(
    join(dir, "cluster.yaml"),
    `apiVersion: ${API_VERSION}\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 0\n  storage:\n    size: 1Gi\n`,
  );
  const rendered = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  assert.equal(rendered.status, 0, rendered.stderr);
  const r = await runMain(["validate", "--output", "github", "-"], { stdin: rendered.stdout });
  assert.equal(r.code, 1);
  const [command] = parseWorkflowCommands(r.stdout);
  const line = rendered.stdout.split("\n").findIndex((l) => /^ {2}instances: 0$/.test(l)) + 1;
  assert.ok(line > 0, rendered.stdout);
  assert.deepEqual(command?.properties, { file: "STDIN", line: String(line), col: "3", title: "cluster/schema" });
  assert.match(
    command?.message ?? "",
    /^Cluster prod\/pg: spec\.instances: Invalid value: 0: must be greater than or equal to 1/,
    "the object, beside a line of kustomize's output",
  );
});
