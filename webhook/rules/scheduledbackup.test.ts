import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, judge, stateResolver, validCluster, validScheduledBackup, withField } from "../../tools/testkit/admission.js";

const FIELD = "spec.cluster.name";
const clusters = [validCluster("pg"), withField(validCluster("no-backup"), "spec.backup", undefined)];
const clean = { denied: [], warned: [] };

describe("ScheduledBackup", () => {
  test("the seed's example is admitted and labelled", async () => {
    const v = await check("ScheduledBackup", validScheduledBackup("backup-example", "pg"), { state: { clusters } });
    assert.deepEqual(v.errors, []);
    assert.deepEqual(v.warnings, []);
    assert.deepEqual(v.patch, [{ op: "add", path: "/metadata/labels", value: { "postgresql.k8s.enterprisedb.io/cluster": "pg" } }]);
  });

  test("scheduledbackup/cluster: an absent Cluster only warns (it may come in the same apply); strict denies", async () => {
    assert.deepEqual(await judge("ScheduledBackup", validScheduledBackup("n", "ghost"), { state: { clusters } }), {
      denied: [],
      warned: [["scheduledbackup/cluster", FIELD]],
    });
    assert.deepEqual(await judge("ScheduledBackup", validScheduledBackup("n", "ghost"), { state: { clusters }, strict: true }), {
      denied: [["scheduledbackup/cluster", "NotFound", FIELD]],
      warned: [],
    });
  });

  test("scheduledbackup/cluster: a Cluster without backup configuration is denied", async () => {
    assert.deepEqual(await judge("ScheduledBackup", validScheduledBackup("n", "no-backup"), { state: { clusters } }), {
      denied: [["scheduledbackup/cluster", "Invalid", FIELD]],
      warned: [],
    });
  });

  test("scheduledbackup/cluster-name: schedule and cluster are required (schema); cluster.name is a DNS-1123 subdomain", async () => {
    const v = await judge("ScheduledBackup", withField(withField(validScheduledBackup(), "spec.schedule", undefined), "spec.cluster", undefined));
    assert.deepEqual(v, {
      denied: [
        ["scheduledbackup/schema", "Required", "spec.schedule"],
        ["scheduledbackup/schema", "Required", "spec.cluster"],
      ],
      warned: [],
    });
    assert.deepEqual(await judge("ScheduledBackup", validScheduledBackup("n", "Bad Name"), { state: { clusters } }), {
      denied: [["scheduledbackup/cluster-name", "Invalid", FIELD]],
      warned: [],
    });
  });

  test("UPDATE: the Cluster is looked up again only when spec.cluster changes", async () => {
    const old = validScheduledBackup("n", "pg");
    const resolver = stateResolver({});
    assert.deepEqual(await judge("ScheduledBackup", withField(old, "metadata.labels", { a: "b" }), { operation: "UPDATE", old, resolver }), clean);
    assert.deepEqual(resolver.calls, []);
    assert.deepEqual(await judge("ScheduledBackup", withField(old, "spec.cluster.name", "no-backup"), { operation: "UPDATE", old, state: { clusters } }), {
      denied: [["scheduledbackup/cluster", "Invalid", FIELD]],
      warned: [],
    });
  });

  test("status is never stricter than the operator's (it has no nextScheduleTime in 0.5, later releases add fields)", async () => {
    const status = { lastCheckTime: "2021-03-01T00:00:00Z", lastScheduleTime: "2021-03-01T00:00:00Z", someLaterField: true };
    assert.deepEqual(await judge("ScheduledBackup", withField(validScheduledBackup(), "status", status), { state: { clusters } }), clean);
  });
});
