import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, validCluster, validScheduledBackup, withField } from "../../tools/testkit/admission.js";

const clusters = [validCluster("pg"), withField(validCluster("no-backup"), "spec.backup", undefined)];

describe("ScheduledBackup", () => {
  test("the seed's example is admitted and labelled", async () => {
    const v = await check("ScheduledBackup", validScheduledBackup("backup-example", "pg"), { state: { clusters } });
    assert.deepEqual(v.errors, []);
    assert.deepEqual(v.warnings, []);
    assert.deepEqual(v.patch, [{ op: "add", path: "/metadata/labels", value: { "postgresql.k8s.enterprisedb.io/cluster": "pg" } }]);
  });
  test("a five-field schedule is denied with what it would mean and what to write", async () => {
    const v = await check("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 * * *"), { state: { clusters } });
    assert.equal(v.allowed, false);
    assert.equal(v.fields[0], "spec.schedule");
    assert.match(v.errors[0]!, /first field is seconds/);
    assert.match(v.errors[0]!, /0 0 0 \* \* \*/);
  });
  test("never-firing, bad @every and out-of-range fields are denied; sub-minute schedules warn", async () => {
    for (const [schedule, text] of [
      ["0 0 0 30 2 *", "never"],
      ["@every 0s", "@every"],
      ["0 0 0 * * 7", "day-of-week"],
    ] as const) {
      const v = await check("ScheduledBackup", validScheduledBackup("n", "pg", schedule), { state: { clusters } });
      assert.equal(v.allowed, false, schedule);
      assert.ok(v.errors[0]!.startsWith(`spec.schedule: Invalid value: ${JSON.stringify(schedule)}: `) && v.errors[0]!.includes(text), v.errors[0]);
    }
    const often = await check("ScheduledBackup", validScheduledBackup("n", "pg", "*/10 * * * * *"), { state: { clusters } });
    assert.equal(often.allowed, true);
    assert.ok(often.warnings[0]!.startsWith("spec.schedule: "));
    assert.deepEqual((await check("ScheduledBackup", validScheduledBackup("n", "pg", "@every 6h"), { state: { clusters } })).warnings, []);
  });
  test("an absent Cluster only warns (it may come in the same batch); strict denies", async () => {
    const v = await check("ScheduledBackup", validScheduledBackup("n", "ghost"), { state: { clusters } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, ['spec.cluster.name: Cluster "ghost" not found in namespace "default"']);
    assert.equal((await check("ScheduledBackup", validScheduledBackup("n", "ghost"), { state: { clusters }, strict: true })).allowed, false);
  });
  test("a Cluster without backup configuration is denied", async () => {
    const v = await check("ScheduledBackup", validScheduledBackup("n", "no-backup"), { state: { clusters } });
    assert.equal(v.allowed, false);
    assert.match(v.errors[0]!, /^spec\.cluster\.name: .*has no backup configuration/);
  });
  test("schedule and cluster are required; cluster.name is a DNS-1123 subdomain", async () => {
    const v = await check("ScheduledBackup", withField(withField(validScheduledBackup(), "spec.schedule", undefined), "spec.cluster", undefined));
    assert.deepEqual(v.errors.toSorted(), ["spec.cluster: Required value", "spec.schedule: Required value"]);
    const bad = await check("ScheduledBackup", validScheduledBackup("n", "Bad Name"), { state: { clusters } });
    assert.ok(bad.errors.some((e) => e.startsWith('spec.cluster.name: Invalid value: "Bad Name"')));
  });
  test("UPDATE: the Cluster is looked up again only when spec.cluster changes", async () => {
    const old = validScheduledBackup("n", "pg");
    const suspended = await check("ScheduledBackup", withField(old, "spec.suspend", true), { operation: "UPDATE", old, state: {} });
    assert.deepEqual(suspended.warnings, []);
    const moved = await check("ScheduledBackup", withField(old, "spec.cluster.name", "no-backup"), { operation: "UPDATE", old, state: { clusters } });
    assert.equal(moved.allowed, false);
  });
});
