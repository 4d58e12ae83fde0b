// The wording users read, pinned in a few cases per kind; every other test asserts on rule, type and field.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, completedBackup, CREDS_KEYS, CREDS_SECRET, validBackup, validCluster, validScheduledBackup, withField } from "../../tools/testkit/admission.js";

const STORE = "spec.backup.barmanObjectStore";
const state = {
  secrets: { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS },
  clusters: [validCluster("pg"), withField(validCluster("plain"), "spec.backup", undefined)],
};
const errors = async (kind: "Cluster" | "Backup" | "ScheduledBackup", object: unknown, opts = {}) => (await check(kind, object, { state, ...opts })).errors;
const warnings = async (kind: "Cluster" | "Backup" | "ScheduledBackup", object: unknown, opts = {}) => (await check(kind, object, { state, ...opts })).warnings;

describe("messages: Cluster", () => {
  test("image tags, in the operator's terms", async () => {
    assert.deepEqual(await errors("Cluster", withField(validCluster(), "spec.imageName", "quay.io/enterprisedb/postgresql:latest")), [
      `spec.imageName: Invalid value: "quay.io/enterprisedb/postgresql:latest": release 0.5 refuses the tag 'latest': it cannot tell which PostgreSQL version runs; use e.g. :13.1`,
    ]);
    assert.deepEqual(await errors("Cluster", withField(validCluster(), "spec.imageName", "registry:5000/pg:13")), [
      `spec.imageName: Invalid value: "registry:5000/pg:13": release 0.5 reads the tag as the text after the first ':' ("5000/pg") and refuses it (wrong PostgreSQL major in version 5000/pg); a registry with a port cannot be used`,
    ]);
  });
  test("the bucket placeholder (README's first example) and the endpoint", async () => {
    assert.deepEqual(await errors("Cluster", withField(validCluster(), `${STORE}.destinationPath`, "s3://BUCKET_NAME/pg")), [
      `${STORE}.destinationPath: Invalid value: "s3://BUCKET_NAME/pg": bucket "BUCKET_NAME" is a documentation placeholder; use your bucket's name (S3 naming rules; AWS S3 is used since endpointURL is not set)`,
    ]);
    assert.deepEqual(await errors("Cluster", withField(validCluster(), `${STORE}.endpointURL`, "http://minio_1:9000")), [
      `${STORE}.endpointURL: Invalid value: "http://minio_1:9000": botocore refuses this host ("Invalid endpoint"): DNS labels of letters, digits and '-' (not at either end), at most 63 each, separated by '.'; no '_'`,
    ]);
    assert.deepEqual(await warnings("Cluster", withField(validCluster(), `${STORE}.endpointURL`, "http://minio.example.com:9000")), [
      `${STORE}.endpointURL: credentials travel unencrypted over http:// to minio.example.com`,
    ]);
  });
  test("a missing Secret key: named with the closest one, never the Secret's other keys", async () => {
    const secrets = (keys: string[]) => ({ state: { ...state, secrets: { [CREDS_SECRET]: ["ACCESS_KEY_ID", ...keys] } } });
    const field = `${STORE}.s3Credentials.secretAccessKey.key`;
    assert.deepEqual(await errors("Cluster", validCluster(), secrets(["ACCESS_SECRET_KEYS", "db-password", "TLS_KEY"])), [
      `${field}: Not found: "ACCESS_SECRET_KEY": Secret "${CREDS_SECRET}" has no key "ACCESS_SECRET_KEY"; did you mean "ACCESS_SECRET_KEYS"?`,
    ]);
    const far = await errors("Cluster", validCluster(), secrets(["db-password", "TLS_KEY"]));
    assert.deepEqual(far, [`${field}: Not found: "ACCESS_SECRET_KEY": Secret "${CREDS_SECRET}" has no key "ACCESS_SECRET_KEY"`]);
    assert.ok(!far.join().includes("db-password") && !far.join().includes("TLS_KEY"));
  });
  test("the shell hazard names the character and the recovery", async () => {
    assert.deepEqual(await errors("Cluster", withField(validCluster(), `${STORE}.destinationPath`, "s3://backups/pg;x")), [
      `${STORE}.destinationPath: Invalid value: "s3://backups/pg;x": ";" is special to the shell that runs restore_command: release 0.5 pastes destinationPath unquoted into the restore_command of a recovery from this cluster's backups`,
    ]);
  });
  test("a recovery from a Backup still running", async () => {
    const restore = withField(
      withField(validCluster("restored"), "spec.bootstrap", { fullRecovery: { backup: { name: "backup-example" } } }),
      "spec.backup",
      undefined,
    );
    const running = withField(completedBackup(), "status.phase", "running");
    assert.deepEqual(await errors("Cluster", restore, { state: { ...state, backups: [running] } }), [
      `spec.bootstrap.fullRecovery.backup.name: Invalid value: "backup-example": Backup "backup-example" is running: release 0.5 starts the restore at once and does not wait; create the Cluster once it is completed`,
    ]);
  });
  test("an unchanged error on UPDATE is a warning that says so, within kubectl's 120 characters", async () => {
    const old = withField(validCluster(), "spec.imageName", "quay.io/enterprisedb/postgresql:latest");
    assert.deepEqual(await warnings("Cluster", withField(old, "metadata.labels", { a: "b" }), { operation: "UPDATE", old }), [
      'spec.imageName: unchanged since before; not blocking: Invalid value: "quay.io/enterprisedb/postgresql:latest": releas...',
    ]);
  });
});

describe("messages: Backup", () => {
  test("a Cluster without backup configuration, and an immutable spec", async () => {
    assert.deepEqual(await errors("Backup", validBackup("b", "plain")), [
      'spec.cluster.name: Invalid value: "plain": Cluster "plain" has no backup configuration: add spec.backup.barmanObjectStore (destinationPath and s3Credentials) to it first',
    ]);
    const old = validBackup();
    assert.deepEqual(await errors("Backup", withField(old, "spec.cluster.name", "other"), { operation: "UPDATE", old }), [
      "spec: Forbidden: a Backup's spec is immutable; create a new Backup instead",
    ]);
  });
});

describe("messages: ScheduledBackup", () => {
  test("five fields: both readings and the six fields of each; or a warning naming the one the operator runs", async () => {
    assert.deepEqual(await errors("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 * * *")), [
      'spec.schedule: Invalid value: "0 0 * * *": has 5 fields, which the operator reads as second minute hour day-of-month month: it runs every hour at minute 0 ("0 0 * * * *"); read minute first, as in crontab, it means daily at 00:00:00 ("0 0 0 * * *"): write the six fields you mean',
    ]);
    assert.deepEqual(await warnings("ScheduledBackup", validScheduledBackup("n", "pg", "0 30 2 * *")), [
      'spec.schedule: has 5 fields, read as "0 30 2 * * *" (seconds first, day-of-week left out): daily at 02:30:00',
    ]);
  });
  test("robfig's reason in plain words, naming the field, with robfig's own text", async () => {
    assert.deepEqual(await errors("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 0 * * 7")), [
      'spec.schedule: Invalid value: "0 0 0 * * 7": day-of-week "7" is out of range 0-6 (Sunday is 0 or SUN) (robfig/cron: End of range (7) above maximum (6): 7)',
    ]);
  });
  test("never fires, and too often with the number of Backups a day", async () => {
    assert.deepEqual(await errors("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 0 30 2 *")), [
      'spec.schedule: Invalid value: "0 0 0 30 2 *": never fires: no such date comes within five years; release 0.5 would create one Backup at once and then fail for ever',
    ]);
    assert.deepEqual(await errors("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 0 30 2 */2")), [
      'spec.schedule: Invalid value: "0 0 0 30 2 */2": never fires: with * or a step in one day field, day-of-month AND day-of-week must both match; release 0.5 would create one Backup at once and then fail for ever',
    ]);
    assert.deepEqual(await errors("ScheduledBackup", validScheduledBackup("n", "pg", "0 * * * * *")), [
      'spec.schedule: Invalid value: "0 * * * * *": fires every 1m at its closest, 1440 Backups a day: each is a full base backup and a Backup object; schedules must fire at least 5m apart (--deny-backup-interval)',
    ]);
    assert.deepEqual(await warnings("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 * * * *")), [
      "spec.schedule: fires every 1h at its closest, 24 Backups a day: each is a full base backup and a Backup object",
    ]);
  });
  test("suspend", async () => {
    assert.deepEqual(await warnings("ScheduledBackup", withField(validScheduledBackup("n", "pg"), "spec.suspend", true)), [
      "spec.suspend: release 0.5 never reads it (first in 1.8.0): backups keep being taken",
    ]);
  });
});
