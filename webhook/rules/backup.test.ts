import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, validBackup, validCluster, withField } from "../../tools/testkit/admission.js";

const FIELD = "spec.cluster.name";
const clusters = [validCluster("pg"), withField(validCluster("no-backup"), "spec.backup", undefined)];

describe("Backup", () => {
  test("is labelled with its cluster's name", async () => {
    const v = await check("Backup", validBackup(), { state: { clusters } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.patch, [{ op: "add", path: "/metadata/labels", value: { "postgresql.k8s.enterprisedb.io/cluster": "pg" } }]);
    const labelled = withField(validBackup(), "metadata.labels", { team: "a", "postgresql.k8s.enterprisedb.io/cluster": "other" });
    const w = await check("Backup", labelled, { state: { clusters } });
    assert.deepEqual(w.patch, [{ op: "replace", path: "/metadata/labels/postgresql.k8s.enterprisedb.io~1cluster", value: "pg" }]);
  });
  test("spec.cluster.name is required and a DNS-1123 subdomain", async () => {
    const missing = await check("Backup", withField(validBackup(), "spec.cluster", undefined), { state: { clusters } });
    assert.deepEqual(missing.errors, ["spec.cluster: Required value"]);
    const bad = await check("Backup", validBackup("b", "PG_Main"), { state: { clusters } });
    assert.equal(bad.allowed, false);
    assert.ok(bad.errors[0]!.startsWith(`${FIELD}: Invalid value: "PG_Main": a lowercase RFC 1123 subdomain`));
    assert.deepEqual(bad.patch, [], "an invalid name is not copied into a label");
  });
  test("the Cluster must exist: absent is denied even without --strict-references", async () => {
    const v = await check("Backup", validBackup("b", "ghost"), { state: { clusters } });
    assert.deepEqual(v.errors, [`${FIELD}: Not found: "ghost": Cluster "ghost" not found in namespace "default"`]);
  });
  test("the Cluster must have a backup configuration, and the message says how to fix it", async () => {
    const v = await check("Backup", validBackup("b", "no-backup"), { state: { clusters } });
    assert.equal(v.allowed, false);
    assert.match(
      v.errors[0]!,
      /^spec\.cluster\.name: Invalid value: "no-backup": Cluster "no-backup" has no backup configuration: add spec\.backup\.barmanObjectStore/,
    );
  });
  test("an unreachable cluster only warns, unless strict", async () => {
    const v = await check("Backup", validBackup(), { state: { unreachable: true } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, [`${FIELD}: could not verify Cluster "pg": no cluster`]);
    assert.equal((await check("Backup", validBackup(), { state: { unreachable: true }, strict: true })).allowed, false);
  });
  test("UPDATE: spec is immutable; metadata changes pass even when the Cluster is gone", async () => {
    const old = validBackup();
    const moved = await check("Backup", withField(old, "spec.cluster.name", "other"), { operation: "UPDATE", old, state: { clusters } });
    assert.deepEqual(moved.errors, ["spec: Forbidden: a Backup's spec is immutable; create a new Backup instead"]);
    const relabel = await check("Backup", withField(old, "metadata.finalizers", []), { operation: "UPDATE", old, state: {} });
    assert.equal(relabel.allowed, true);
  });
});
