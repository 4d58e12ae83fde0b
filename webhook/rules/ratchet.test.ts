// UPDATE ratcheting (README "Rules"): objects created before the webhook stay updatable; an error on
// a field whose value did not change becomes a warning; transitions and changed fields still deny.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  check,
  CREDS_KEYS,
  CREDS_SECRET,
  judge,
  validBackup,
  validCluster,
  validScheduledBackup,
  withField,
  type CheckOptions,
} from "../../tools/testkit/admission.js";
import type { KindName } from "../../schemas/kinds.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS }, clusters: [validCluster("pg")] };

/** The everyday updates of an existing object: none touches the offending fields. */
const everydayUpdates = (old: object): [string, unknown][] => [
  ["a label", withField(old, "metadata.labels", { team: "a" })],
  ["an annotation", withField(old, "metadata.annotations", { "example.com/note": "x" })],
  ["a finalizer removed", withField(withField(old, "metadata.finalizers", []), "metadata.resourceVersion", "2")],
];

async function assertUpdatable(kind: KindName, old: object, offending: [string, string][], extra: [string, unknown][] = []): Promise<void> {
  const opts: CheckOptions = { operation: "UPDATE", old, state };
  // As created today, the object is denied: these are the errors that must not block its updates.
  const created = await judge(kind, old, { state });
  assert.deepEqual(
    created.denied.map(([rule, , field]) => [rule, field]),
    offending,
  );
  for (const [what, updated] of [...everydayUpdates(old), ...extra]) {
    const v = await check(kind, updated, opts);
    assert.equal(v.allowed, true, `${what}: ${JSON.stringify(v.errors)}`);
    assert.deepEqual(
      v.warningFindings.filter((w) => w.message.startsWith("unchanged since before; not blocking: ")).map((w) => [w.rule, w.field]),
      offending,
      what,
    );
  }
}

describe("UPDATE ratcheting", () => {
  const legacyCluster = withField(
    withField(validCluster(), "spec.imageName", "quay.io/enterprisedb/postgresql:latest"),
    "spec.backup.barmanObjectStore.destinationPath",
    "s3://BUCKET_NAME/pg",
  );
  const clusterErrors: [string, string][] = [
    ["cluster/image-tag", "spec.imageName"],
    ["objectstore/bucket-name", "spec.backup.barmanObjectStore.destinationPath"],
  ];

  test("Cluster: label, annotation, finalizer and instances updates of a non-compliant Cluster are admitted", async () => {
    await assertUpdatable("Cluster", legacyCluster, clusterErrors, [["instances", withField(legacyCluster, "spec.instances", 5)]]);
  });

  test("Cluster: changing an offending field to another bad value is denied; the unchanged ones still only warn", async () => {
    const opts: CheckOptions = { operation: "UPDATE", old: legacyCluster, state };
    const v = await judge("Cluster", withField(legacyCluster, "spec.imageName", "quay.io/enterprisedb/postgresql:bullseye"), opts);
    assert.deepEqual(v.denied, [["cluster/image-tag", "Invalid", "spec.imageName"]]);
    // cluster/parameters judges an UPDATE as release 0.5's webhook does, by what changed (cluster_webhook.go:311-328).
    const fixed = withField(legacyCluster, "spec.postgresql.parameters", { huge_pages: "off" });
    const withFixed: CheckOptions = { operation: "UPDATE", old: fixed, state };
    const p = await judge("Cluster", withField(legacyCluster, "spec.postgresql.parameters", { huge_pages: "on" }), withFixed);
    assert.deepEqual(p.denied, [["cluster/parameters", "Invalid", "spec.postgresql.parameters[huge_pages]"]]);
    // A new fixed parameter beside the old one: only the new one denies.
    const added = await judge("Cluster", withField(legacyCluster, "spec.postgresql.parameters", { huge_pages: "off", port: "5433" }), withFixed);
    assert.deepEqual(added.denied, [["cluster/parameters", "Invalid", "spec.postgresql.parameters[port]"]]);
  });

  test("Cluster: fixing an offending field is admitted; transitions still deny", async () => {
    const opts: CheckOptions = { operation: "UPDATE", old: legacyCluster, state };
    assert.equal((await check("Cluster", withField(legacyCluster, "spec.imageName", "quay.io/enterprisedb/postgresql:13.1"), opts)).allowed, true);
    const shrunk = await judge("Cluster", withField(legacyCluster, "spec.storage.size", "512Mi"), opts);
    assert.deepEqual(shrunk.denied, [["cluster/storage-shrink", "Forbidden", "spec.storage.size"]]);
    const old = withField(validCluster(), "spec.imageName", "quay.io/enterprisedb/postgresql:12.5");
    const major = await judge("Cluster", withField(old, "spec.imageName", "quay.io/enterprisedb/postgresql:13.1"), { operation: "UPDATE", old, state });
    assert.deepEqual(major.denied, [["cluster/image-major", "Forbidden", "spec.imageName"]]);
  });

  test("Cluster: the comparison is made after defaults on both sides", async () => {
    // The stored object has no data defaults (created before the mutating webhook); the new one is identical.
    const old = withField(withField(validCluster(), "spec.imageName", "pg:latest"), "spec.backup.barmanObjectStore.data", undefined);
    const v = await check("Cluster", withField(old, "metadata.labels", { a: "b" }), { operation: "UPDATE", old, state });
    assert.equal(v.allowed, true);
  });

  test("Backup: label, annotation and finalizer updates of a non-compliant Backup are admitted; a spec change is denied", async () => {
    const legacy = validBackup("b", "PG_Main");
    await assertUpdatable("Backup", legacy, [["backup/cluster-name", "spec.cluster.name"]]);
    const v = await judge("Backup", withField(legacy, "spec.cluster.name", "Other_Bad"), { operation: "UPDATE", old: legacy, state });
    assert.deepEqual(v.denied, [
      ["backup/cluster-name", "Invalid", "spec.cluster.name"],
      ["backup/immutable", "Forbidden", "spec"],
    ]);
  });

  test("Backup: a schema error on an unchanged field (spec.cluster missing) does not block its finalizers", async () => {
    const legacy = withField(validBackup(), "spec.cluster", undefined);
    await assertUpdatable("Backup", legacy, [["backup/schema", "spec.cluster"]]);
  });

  test("ScheduledBackup: updates of a non-compliant schedule are admitted; another bad schedule is denied", async () => {
    const legacy = validScheduledBackup("nightly", "pg", "0 0 * * *");
    await assertUpdatable("ScheduledBackup", legacy, [["schedule/five-fields", "spec.schedule"]]);
    const v = await judge("ScheduledBackup", withField(legacy, "spec.schedule", "* * * * * *"), { operation: "UPDATE", old: legacy, state });
    assert.deepEqual(v.denied, [["schedule/frequency", "Invalid", "spec.schedule"]]);
    const often = validScheduledBackup("often", "pg", "*/10 * * * * *");
    await assertUpdatable("ScheduledBackup", often, [["schedule/frequency", "spec.schedule"]]);
  });

  test("CREATE is never ratcheted, even with an oldObject in the request", async () => {
    const v = await judge("Cluster", legacyCluster, { operation: "CREATE", old: legacyCluster, state });
    assert.equal(v.denied.length, 2);
  });
});
