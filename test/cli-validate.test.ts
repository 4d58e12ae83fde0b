// `cnp-webhook validate` as a user runs it, from the repository root: its output and exit code. The
// real binary (a child process) where the process boundary is the point: the exit codes 0, 1 and 2 of
// bin.js, and standard input read from a pipe; everything else in-process, on buffers.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli, runMain } from "../tools/testkit/cli.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

// Paths below, and in the expected output, are as a user in the repository types them.
process.chdir(REPO_ROOT);
const FIXTURES = "test/fixtures/manifests";
const cli = (...args: string[]) => runMain(args);
const binary = (...args: string[]) => runCli(args);
const json = (stdout: string) => JSON.parse(stdout) as { results: JsonResult[]; summary: Record<string, number> };

describe("cnp-webhook validate", () => {
  test("a directory of valid manifests: exit 0 from the binary, one line per object, Secrets used but not reported", async () => {
    const r = await binary("validate", `${FIXTURES}/good`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "cluster.postgresql.k8s.enterprisedb.io/pg-backup admitted (test/fixtures/manifests/good/cluster.yaml:11; 2 defaults would be applied)",
        "backup.postgresql.k8s.enterprisedb.io/backup-example admitted (test/fixtures/manifests/good/nested/backup.yaml:1; 1 default would be applied)",
        "scheduledbackup.postgresql.k8s.enterprisedb.io/nightly admitted (test/fixtures/manifests/good/nested/scheduled.json:1; 1 default would be applied)",
        "3 objects checked: 3 admitted, 0 denied, 0 warnings",
        "",
      ].join("\n"),
    );
  });

  test("--output json: results in the documented shape, and a summary", async () => {
    const r = await cli("validate", "--output", "json", `${FIXTURES}/good/cluster.yaml`, `${FIXTURES}/bad/schedule.yaml`);
    assert.equal(r.code, 1);
    const { results, summary } = json(r.stdout);
    assert.equal(results.length, 2);
    for (const result of results) {
      assert.deepEqual(Object.keys(result), [
        "file",
        "line",
        "index",
        "apiVersion",
        "kind",
        "namespace",
        "name",
        "status",
        "warnings",
        "errors",
        "ignored",
        "patch",
      ]);
    }
    assert.deepEqual(summary, { files: 2, checked: 2, admitted: 1, denied: 1, skipped: 0, errors: 0, warnings: 1, ignored: 0 });
    const [cluster, schedule] = results;
    assert.equal(cluster?.file, `${FIXTURES}/good/cluster.yaml`);
    assert.deepEqual([cluster?.index, cluster?.line], [1, 11], "the Secret is document 0; the Cluster starts on line 11");
    assert.equal(cluster?.status, "admitted");
    assert.deepEqual(
      cluster?.patch.map((op) => op.path),
      ["/spec/backup/barmanObjectStore/data", "/spec/bootstrap"],
    );
    assert.equal(schedule?.status, "denied");
    assert.equal(schedule?.namespace, "default");
    assert.deepEqual(
      schedule?.errors.map((e) => [e.field, e.line, e.column]),
      [["spec.schedule", 6, 3]],
    );
    assert.match(schedule?.errors[0]?.message ?? "", /has 5 fields, which the operator reads as second minute hour day-of-month month/);
    assert.deepEqual(
      schedule?.warnings.map((w) => [w.field, w.message, w.line, w.column]),
      [["spec.cluster.name", 'could not verify Cluster "pg": not in the files', 8, 5]],
    );
    assert.ok(schedule?.warnings[0]?.rule, "every warning carries its rule");
  });

  test("denials: exit 1 from the binary, every error at once with its line, did-you-mean and the SHA256 hint", async () => {
    const r = await binary("validate", `${FIXTURES}/bad/cluster.yaml`);
    assert.equal(r.code, 1);
    const lines = r.stdout.split("\n");
    assert.equal(
      lines[0],
      "test/fixtures/manifests/bad/cluster.yaml:6:3: error: Cluster default/pg: spec.instances: Invalid value: 0: must be greater than or equal to 1 [cluster/schema]",
    );
    assert.equal(
      lines[1],
      'test/fixtures/manifests/bad/cluster.yaml:12:7: error: Cluster default/pg: spec.backup.barmanObjectStore.endpointUrl: Forbidden: unknown field "endpointUrl"; the apiserver would drop it; did you mean "endpointURL"? [cluster/schema]',
    );
    assert.match(
      lines[2] ?? "",
      /^test\/fixtures\/manifests\/bad\/cluster\.yaml:17:9: error: .*SHA256 is a hash, not an encryption; did you mean AES256\? \[cluster\/schema\]$/,
    );
    assert.match(
      lines[3] ?? "",
      /^test\/fixtures\/manifests\/bad\/cluster\.yaml:15:11: warning: Cluster default\/pg: spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: could not verify Secret "aws-creds"/,
    );
    assert.equal(lines[4], "cluster.postgresql.k8s.enterprisedb.io/pg denied (test/fixtures/manifests/bad/cluster.yaml:1)");
    assert.equal(lines[5], "1 object checked: 0 admitted, 1 denied, 1 warning");
  });

  test("the early draft's apiVersion is explained, with the fields that moved", async () => {
    const r = await cli("validate", "-o", "json", `${FIXTURES}/bad/draft.yaml`);
    assert.equal(r.code, 1);
    const [result] = json(r.stdout).results;
    assert.equal(result?.errors[0]?.field, "apiVersion");
    assert.match(
      result?.errors[0]?.message ?? "",
      /early draft's API group: use postgresql\.k8s\.enterprisedb\.io\/v1alpha1; backup settings moved from spec\.backup to spec\.backup\.barmanObjectStore/,
    );
    assert.deepEqual(
      result?.errors.slice(1).map((e) => [e.field, e.line]),
      [
        ["spec.backup.destinationPath", 11],
        ["spec.backup.s3Credentials", 12],
        ["spec.backup.wal", 19],
      ],
    );
    assert.match(result?.errors[1]?.message ?? "", /did you mean "spec\.backup\.barmanObjectStore\.destinationPath"\?/);
  });

  test("usage errors: exit 2 with a clear message (the binary's exit code for the first)", async () => {
    const missing = await binary("validate", "no/such/dir");
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout.split("\n")[0], "no/such/dir:1:1: error: no such file or directory [input/read]");
    assert.equal((await cli("validate")).code, 2);
    const badOutput = await cli("validate", "--output", "xml", FIXTURES);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.stderr, /--output must be one of text, json, junit, tap, sarif, github, not "xml"/);
    assert.match((await cli("validate", "--skip-kind", "Pooler", FIXTURES)).stderr, /--skip-kind "Pooler": not one of Cluster, Backup, ScheduledBackup/);
    assert.equal((await cli("validate", "--no-such-flag", FIXTURES)).code, 2);
    assert.equal((await cli("validate", "--help")).code, 0);
  });

  test("- reads the binary's standard input, a pipe, mixed with paths; its documents are cluster state for the files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cnp-validate-"));
    writeFileSync(
      join(dir, "cluster.yaml"),
      "apiVersion: postgresql.k8s.enterprisedb.io/v1alpha1\nkind: Cluster\nmetadata: {name: pg}\nspec:\n  instances: 3\n  storage: {size: 1Gi}\n  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/pg\n      s3Credentials:\n        accessKeyId: {name: aws-creds}\n",
    );
    const secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: aws-creds}\nstringData: {ACCESS_KEY_ID: a, ACCESS_SECRET_KEY: b}\n";
    const r = await runCli(["validate", "-o", "json", join(dir, "cluster.yaml"), "-"], { stdin: secret });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [result] = json(r.stdout).results;
    assert.deepEqual([result?.name, result?.status, result?.warnings], ["pg", "admitted", []], "the Secret from the pipe resolves the reference");
  });

  test("references resolve among the files: a recovery from a Backup without status is denied (release 0.5 does not wait)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cnp-validate-"));
    writeFileSync(
      join(dir, "all.yaml"),
      [
        "apiVersion: postgresql.k8s.enterprisedb.io/v1alpha1\nkind: Backup\nmetadata: {name: backup-example}\nspec: {cluster: {name: pg-backup}}",
        "apiVersion: postgresql.k8s.enterprisedb.io/v1alpha1\nkind: Cluster\nmetadata: {name: cluster-restore}\nspec:\n  instances: 3\n  storage: {size: 5Gi}\n  bootstrap:\n    fullRecovery:\n      backup: {name: backup-example}",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated}\ndata: {a: b}",
      ].join("\n---\n"),
    );
    const r = await cli("validate", "-o", "json", dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const { results } = json(r.stdout);
    assert.deepEqual(
      results.map((x) => x.kind),
      ["Backup", "Cluster"],
      "the ConfigMap is not reported",
    );
    assert.deepEqual(
      results[1]?.errors.map((e) => [e.field, e.line]),
      [["spec.bootstrap.fullRecovery.backup.name", 14]],
    );
    assert.deepEqual(
      results[0]?.warnings.map((w) => w.message),
      ['could not verify Cluster "pg-backup": not in the files'],
    );
  });

  test("--strict-references turns unverifiable references into denials", async () => {
    const r = await cli("validate", "--strict-references", "-o", "json", `${FIXTURES}/good/nested/backup.yaml`);
    assert.equal(r.code, 1);
    const [result] = json(r.stdout).results;
    assert.deepEqual(
      result?.errors.map(({ field, message, line, column }) => ({ field, message, line, column })),
      [{ field: "spec.cluster.name", message: 'Invalid value: "pg-backup": could not verify Cluster "pg-backup": not in the files', line: 7, column: 5 }],
    );
  });
});
