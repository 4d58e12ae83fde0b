import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, judge, validBackup, validCluster, withField } from "../../tools/testkit/admission.js";
import { ManifestResolver } from "../references/files.js";

const FIELD = "spec.cluster.name";
const clusters = [validCluster("pg"), withField(validCluster("no-backup"), "spec.backup", undefined)];
const clean = { denied: [], warned: [] };

describe("Backup", () => {
  test("is labelled with its cluster's name", async () => {
    const v = await check("Backup", validBackup(), { state: { clusters } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.patch, [{ op: "add", path: "/metadata/labels", value: { "postgresql.k8s.enterprisedb.io/cluster": "pg" } }]);
    const labelled = withField(validBackup(), "metadata.labels", { team: "a", "postgresql.k8s.enterprisedb.io/cluster": "other" });
    const w = await check("Backup", labelled, { state: { clusters } });
    assert.deepEqual(w.patch, [{ op: "replace", path: "/metadata/labels/postgresql.k8s.enterprisedb.io~1cluster", value: "pg" }]);
  });

  test("backup/cluster-name: required (schema) and a DNS-1123 subdomain; an invalid name is not copied into a label", async () => {
    assert.deepEqual(await judge("Backup", withField(validBackup(), "spec.cluster", undefined), { state: { clusters } }), {
      denied: [["backup/schema", "Required", "spec.cluster"]],
      warned: [],
    });
    const bad = await check("Backup", validBackup("b", "PG_Main"), { state: { clusters } });
    assert.deepEqual(
      bad.violations.map((v) => [v.rule, v.type, v.field]),
      [["backup/cluster-name", "Invalid", FIELD]],
    );
    assert.deepEqual(bad.patch, []);
    assert.deepEqual(await judge("Backup", validBackup("b", "pg"), { state: { clusters } }), clean);
  });

  test("backup/cluster: absent is denied even without --strict-references (the operator fails it at once)", async () => {
    assert.deepEqual(await judge("Backup", validBackup("b", "ghost"), { state: { clusters } }), {
      denied: [["backup/cluster", "NotFound", FIELD]],
      warned: [],
    });
  });

  test("backup/cluster: a Cluster without a backup configuration is denied", async () => {
    assert.deepEqual(await judge("Backup", validBackup("b", "no-backup"), { state: { clusters } }), {
      denied: [["backup/cluster", "Invalid", FIELD]],
      warned: [],
    });
  });

  test("backup/cluster: an unreachable cluster only warns, unless strict", async () => {
    assert.deepEqual(await judge("Backup", validBackup(), { state: { unreachable: true } }), { denied: [], warned: [["backup/cluster", FIELD]] });
    assert.deepEqual(await judge("Backup", validBackup(), { state: { unreachable: true }, strict: true }), {
      denied: [["backup/cluster", "Invalid", FIELD]],
      warned: [],
    });
  });

  test("backup/immutable: UPDATE may not change spec; metadata changes pass even when the Cluster is gone", async () => {
    const old = validBackup();
    assert.deepEqual(await judge("Backup", withField(old, "spec.cluster.name", "other"), { operation: "UPDATE", old, state: { clusters } }), {
      denied: [["backup/immutable", "Forbidden", "spec"]],
      warned: [],
    });
    assert.deepEqual(await judge("Backup", withField(old, "metadata.finalizers", []), { operation: "UPDATE", old, state: {} }), clean);
  });

  test("status is never stricter than the operator's: any phase, empty selectors, unknown fields", async () => {
    // What cnp v0.5.0 writes for a Backup that failed with "Unknown cluster" (backup_types.go:44, 53: no omitempty),
    // and a phase of a later release.
    for (const status of [
      { phase: "failed", error: "Unknown cluster", destinationPath: "", s3Credentials: { accessKeyId: { key: "" }, secretAccessKey: { key: "" } } },
      { phase: "walArchivingFailing", someLaterField: 1 },
    ]) {
      assert.deepEqual(await judge("Backup", withField(validBackup(), "status", status), { state: { clusters } }), clean, JSON.stringify(status));
    }
  });
});

describe("backup/cluster: a Cluster without a primary yet", () => {
  // controllers/backup_controller.go:73-81: the Pod named status.targetPrimary is read at once; without one
  // the Backup is failed with "Unknown pod" and never retried.
  const unborn = withField(validCluster("pg"), "status", undefined);
  test("the server's state (the API, its status) says so: denied; a bootstrapped one: admitted", async () => {
    assert.deepEqual(await judge("Backup", validBackup("b", "pg"), { state: { clusters: [unborn] } }), {
      denied: [["backup/cluster", "Invalid", FIELD]],
      warned: [],
    });
    assert.deepEqual(await judge("Backup", validBackup("b", "pg"), { state: { clusters: [validCluster("pg")] } }), clean);
  });
  test("the files given to validate cannot know what the operator has done: nothing is said", async () => {
    for (const cluster of [unborn, validCluster("pg")]) {
      const resolver = new ManifestResolver([cluster as never], "default");
      assert.deepEqual(await judge("Backup", validBackup("b", "pg"), { resolver }), clean);
    }
  });
});
