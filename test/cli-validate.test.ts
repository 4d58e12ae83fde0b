// `cnp-webhook validate` run as a user runs it: a child process, its output and exit code.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../tools/testkit/cli.js";

const FIXTURES = "test/fixtures/manifests";
const cli = (...args: string[]) => runCli(args);

describe("cnp-webhook validate", () => {
  test("a directory of valid manifests: exit 0, kubectl-like lines, Secrets used but not reported", async () => {
    const r = await cli("validate", `${FIXTURES}/good`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "cluster.postgresql.k8s.enterprisedb.io/pg-backup admitted (test/fixtures/manifests/good/cluster.yaml#1; 2 defaults would be applied)",
        "backup.postgresql.k8s.enterprisedb.io/backup-example admitted (test/fixtures/manifests/good/nested/backup.yaml#0; 1 default would be applied)",
        "scheduledbackup.postgresql.k8s.enterprisedb.io/nightly admitted (test/fixtures/manifests/good/nested/scheduled.json#0; 1 default would be applied)",
        "3 objects checked: 3 admitted, 0 denied, 0 warnings",
        "",
      ].join("\n"),
    );
  });

  test("--output json: one array in the documented shape", async () => {
    const r = await cli("validate", "--output", "json", `${FIXTURES}/good/cluster.yaml`, `${FIXTURES}/bad/schedule.yaml`);
    assert.equal(r.code, 1);
    const results = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(results.length, 2);
    for (const result of results) {
      assert.deepEqual(Object.keys(result), ["file", "index", "apiVersion", "kind", "namespace", "name", "status", "allowed", "warnings", "errors", "patch"]);
    }
    const [cluster, schedule] = results as any[];
    assert.equal(cluster.file, `${FIXTURES}/good/cluster.yaml`);
    assert.equal(cluster.index, 1, "the Secret is document 0");
    assert.equal(cluster.allowed, true);
    assert.deepEqual(
      cluster.patch.map((op: { path: string }) => op.path),
      ["/spec/backup/barmanObjectStore/data", "/spec/bootstrap"],
    );
    assert.equal(schedule.allowed, false);
    assert.equal(schedule.namespace, "default");
    assert.deepEqual(
      schedule.errors.map((e: { field: string }) => e.field),
      ["spec.schedule"],
    );
    assert.match(schedule.errors[0].message, /has 5 fields, which the operator reads as second minute hour day-of-month month/);
    assert.deepEqual(schedule.warnings, ['spec.cluster.name: could not verify Cluster "pg": not in the files']);
  });

  test("denials: exit 1, every error at once, did-you-mean and the SHA256 hint", async () => {
    const r = await cli("validate", `${FIXTURES}/bad/cluster.yaml`);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Warning: spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: could not verify Secret "aws-creds"/m);
    assert.ok(
      r.stdout.includes(
        'Error (Invalid): error when creating "test/fixtures/manifests/bad/cluster.yaml#0": Cluster.postgresql.k8s.enterprisedb.io "pg" is invalid: [spec.instances: Invalid value: 0: must be greater than or equal to 1, spec.backup.barmanObjectStore.endpointUrl: Forbidden: unknown field "endpointUrl"; the apiserver would drop it; did you mean "endpointURL"?',
      ),
      r.stdout,
    );
    assert.ok(r.stdout.includes("SHA256 is a hash, not an encryption; did you mean AES256?"));
    assert.match(r.stdout, /^1 object checked: 0 admitted, 1 denied, 1 warning$/m);
  });

  test("the early draft's apiVersion is explained, with the fields that moved", async () => {
    const r = await cli("validate", "-o", "json", `${FIXTURES}/bad/draft.yaml`);
    assert.equal(r.code, 1);
    const [result] = JSON.parse(r.stdout) as any[];
    assert.equal(result.errors[0].field, "apiVersion");
    assert.match(
      result.errors[0].message,
      /early draft's API group: use postgresql\.k8s\.enterprisedb\.io\/v1alpha1; backup settings moved from spec\.backup to spec\.backup\.barmanObjectStore/,
    );
    assert.deepEqual(
      result.errors.slice(1).map((e: { field: string }) => e.field),
      ["spec.backup.destinationPath", "spec.backup.s3Credentials", "spec.backup.wal"],
    );
  });

  test("a YAML syntax error: exit 2 with file and line", async () => {
    const r = await cli("validate", `${FIXTURES}/syntax`);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: test\/fixtures\/manifests\/syntax\/broken\.yaml:\d+:\d+: YAML syntax error: /);
  });

  test("usage and I/O errors: exit 2 with a clear message", async () => {
    const missing = await cli("validate", "no/such/dir");
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "error: no/such/dir: no such file or directory\n");
    assert.equal((await cli("validate")).code, 2);
    const badOutput = await cli("validate", "--output", "xml", FIXTURES);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.stderr, /--output must be text or json/);
    assert.equal((await cli("validate", "--no-such-flag", FIXTURES)).code, 2);
    assert.equal((await cli("frobnicate")).code, 2);
    assert.equal((await cli("validate", "--help")).code, 0);
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
    const results = JSON.parse(r.stdout) as any[];
    assert.deepEqual(
      results.map((x) => x.kind),
      ["Backup", "Cluster"],
      "the ConfigMap is not reported",
    );
    assert.deepEqual(
      results[1].errors.map((e: { field: string }) => e.field),
      ["spec.bootstrap.fullRecovery.backup.name"],
    );
    assert.deepEqual(results[0].warnings, ['spec.cluster.name: could not verify Cluster "pg-backup": not in the files']);
  });

  test("--strict-references turns unverifiable references into denials", async () => {
    const r = await cli("validate", "--strict-references", "-o", "json", `${FIXTURES}/good/nested/backup.yaml`);
    assert.equal(r.code, 1);
    const [result] = JSON.parse(r.stdout) as any[];
    assert.deepEqual(result.errors, [
      { field: "spec.cluster.name", message: 'Invalid value: "pg-backup": could not verify Cluster "pg-backup": not in the files' },
    ]);
  });
});
