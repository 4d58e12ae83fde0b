import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, completedBackup, CREDS_KEYS, CREDS_SECRET, validCluster, withField } from "../../tools/testkit/admission.js";

const FIELD = "spec.bootstrap.fullRecovery.backup.name";
/** The seed's cluster-restore example, with a backup configuration of its own. */
const restore = (backup = "backup-example") =>
  withField(withField(validCluster("cluster-restore"), "spec.bootstrap", { fullRecovery: { backup: { name: backup } } }), "spec.backup", undefined);
const secrets = { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS };

function assertWarning(v: Awaited<ReturnType<typeof check>>, text: string) {
  assert.equal(v.allowed, true, JSON.stringify(v.errors));
  assert.ok(
    v.warnings.some((w) => w.startsWith(`${FIELD}: `) && w.includes(text)),
    `warning with ${text} in ${JSON.stringify(v.warnings)}`,
  );
}
function assertDenied(v: Awaited<ReturnType<typeof check>>, field: string, text: string) {
  assert.equal(v.allowed, false);
  assert.ok(
    v.errors.some((e) => e.startsWith(`${field}: `) && e.includes(text)),
    `error on ${field} with ${text} in ${JSON.stringify(v.errors)}`,
  );
}

describe("bootstrap.fullRecovery", () => {
  test("a completed Backup with its Secrets present: admitted without warnings", async () => {
    const v = await check("Cluster", restore(), { state: { secrets, backups: [completedBackup()] } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, []);
    assert.ok(!v.patch.some((op) => op.path.startsWith("/spec/bootstrap")), "fullRecovery gets no initdb default");
  });
  test("Backup absent: warned, denied when strict", async () => {
    assertWarning(await check("Cluster", restore(), { state: { secrets } }), 'Backup "backup-example" not found in namespace "default"');
    assertDenied(await check("Cluster", restore(), { state: { secrets }, strict: true }), FIELD, "Not found");
  });
  test("Backup failed: denied with its error", async () => {
    const failed = withField(completedBackup(), "status", { phase: "failed", error: "upload refused" });
    assertDenied(await check("Cluster", restore(), { state: { secrets, backups: [failed] } }), FIELD, 'Backup "backup-example" failed: upload refused');
  });
  test("Backup still running or without status: warned", async () => {
    const running = withField(completedBackup(), "status", { phase: "running" });
    assertWarning(await check("Cluster", restore(), { state: { secrets, backups: [running] } }), "in phase running, not completed");
    const fresh = withField(completedBackup(), "status", undefined);
    assertWarning(await check("Cluster", restore(), { state: { secrets, backups: [fresh] } }), "without status yet");
  });
  test("completed without destinationPath or s3Credentials: denied", async () => {
    const noPath = withField(completedBackup(), "status.destinationPath", undefined);
    assertDenied(await check("Cluster", restore(), { state: { secrets, backups: [noPath] } }), FIELD, "has no destinationPath");
    const noCreds = withField(completedBackup(), "status.s3Credentials", undefined);
    assertDenied(await check("Cluster", restore(), { state: { secrets, backups: [noCreds] } }), FIELD, "has no s3Credentials");
  });
  test("the Secret recorded in the Backup is absent: warned", async () => {
    const v = await check("Cluster", restore(), { state: { secrets: { [CREDS_SECRET]: CREDS_KEYS }, backups: [completedBackup()] } });
    assertWarning(v, 'Secret "minio" recorded in Backup "backup-example" not found');
  });
  test("archiving WAL into the restored backup's folder: denied; another serverName is fine", async () => {
    const backup = completedBackup("backup-example", "pg-old");
    const colliding = withField(restore(), "spec.backup", {
      barmanObjectStore: {
        destinationPath: "s3://backups",
        serverName: "pg-old",
        endpointURL: "http://minio:9000/",
        s3Credentials: { accessKeyId: { name: CREDS_SECRET } },
      },
    });
    assertDenied(
      await check("Cluster", colliding, { state: { secrets, backups: [backup] } }),
      "spec.backup.barmanObjectStore.serverName",
      "would archive WAL into s3://backups/pg-old",
    );
    // The server name defaults to the cluster's name: a new cluster named like the old one collides too.
    const sameName = withField(withField(colliding, "spec.backup.barmanObjectStore.serverName", undefined), "metadata.name", "pg-old");
    assertDenied(await check("Cluster", sameName, { state: { secrets, backups: [backup] } }), "spec.backup.barmanObjectStore.serverName", "would archive WAL");
    const elsewhere = withField(colliding, "spec.backup.barmanObjectStore.serverName", "cluster-restore");
    const ok = await check("Cluster", elsewhere, { state: { secrets, backups: [backup] } });
    assert.deepEqual(ok.errors, []);
  });
  test("the Backup's name must be a DNS-1123 subdomain", async () => {
    const v = await check("Cluster", restore("Bad_Backup"), { state: { secrets, backups: [completedBackup()] } });
    assertDenied(v, FIELD, 'Invalid value: "Bad_Backup": a lowercase RFC 1123 subdomain');
    assert.deepEqual(v.warnings, [], "an invalid name is not looked up as well");
  });
  test("a store on another endpoint is no collision, even with the same path and server name", async () => {
    const backup = completedBackup("backup-example", "pg-old"); // taken on MinIO (endpointURL http://minio:9000)
    const onMinio = withField(restore(), "spec.backup", {
      barmanObjectStore: {
        destinationPath: "s3://backups/",
        serverName: "pg-old",
        endpointURL: "http://minio:9000",
        s3Credentials: { accessKeyId: { name: CREDS_SECRET } },
      },
    });
    assertDenied(await check("Cluster", onMinio, { state: { secrets, backups: [backup] } }), "spec.backup.barmanObjectStore.serverName", "would archive WAL");
    const onAws = withField(onMinio, "spec.backup.barmanObjectStore.endpointURL", undefined);
    assert.deepEqual((await check("Cluster", onAws, { state: { secrets, backups: [backup] } })).errors, []);
  });
  test("UPDATE: no recovery lookups (the cluster exists already)", async () => {
    const old = restore();
    const v = await check("Cluster", withField(old, "spec.instances", 4), { operation: "UPDATE", old, state: { secrets } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, []);
  });
});
