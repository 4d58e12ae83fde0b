// Every example of issue 10's text, as the verdict the operator's code calls for (README "Rules").
// Each of these got the opposite verdict before: false denials first, then false admissions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  completedBackup,
  CREDS_KEYS,
  CREDS_SECRET,
  judge,
  validBackup,
  validCluster,
  validScheduledBackup,
  withField,
  type CheckOptions,
} from "../../tools/testkit/admission.js";

const STORE = "spec.backup.barmanObjectStore";
// "pg-old" is the source of completedBackup(): recovery/source-compatibility compares with it.
const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS }, clusters: [validCluster("pg"), validCluster("pg-old")] };
const clean = { denied: [], warned: [] };
const cluster = (field: string, value: unknown) => withField(validCluster(), field, value);
const schedule = (s: string) => validScheduledBackup("n", "pg", s);
const restore = withField(
  withField(validCluster("cluster-restore"), "spec.bootstrap", { fullRecovery: { backup: { name: "backup-example" } } }),
  "spec.backup",
  undefined,
);
const rules = async (kind: "Cluster" | "Backup" | "ScheduledBackup", object: unknown, opts: CheckOptions = {}) => {
  const v = await judge(kind, object, { state, ...opts });
  return { denied: v.denied.map(([rule]) => rule), warned: v.warned.map(([rule]) => rule) };
};

describe("issue 10: false denials", () => {
  test("`0 0 0 1 * ,` fires monthly: empty list items are dropped", async () => {
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 0 0 1 * ,")), clean);
  });
  test("`0 0 0 * *` runs daily at midnight: admitted with a warning, and the suggestion parses", async () => {
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 0 0 * *")), { denied: [], warned: ["schedule/five-fields"] });
  });
  test('endpointURL: "" is AWS, as Helm templates render it', async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.endpointURL`, "")), clean);
  });
  test('compression: "" and encryption: "" are the operator\'s own "none"', async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.wal`, { compression: "", encryption: "" })), clean);
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.data`, { compression: "", encryption: "" })), clean);
  });
  test("optional: on a Secret selector", async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.s3Credentials.accessKeyId.optional`, false)), clean);
  });
  test("S3:// (barman lower-cases the scheme)", async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.destinationPath`, "S3://backups/pg")), clean);
  });
  test("the status of exported objects is never judged more strictly than the operator writes it", async () => {
    const exported = withField(completedBackup(), "status.phase", "walArchivingFailing");
    assert.deepEqual(await rules("Backup", withField(exported, "spec.cluster.name", "pg")), clean);
  });
  test("a label-only UPDATE of a Cluster whose image is :latest, or whose parameters hold archive_timeout", async () => {
    for (const old of [
      cluster("spec.imageName", "quay.io/enterprisedb/postgresql:latest"),
      cluster("spec.postgresql.parameters", { archive_timeout: "1min" }),
    ]) {
      const v = await rules("Cluster", withField(old, "metadata.labels", { app: "x" }), { operation: "UPDATE", old });
      assert.deepEqual(v.denied, []);
    }
  });
});

describe("issue 10: false admissions", () => {
  test("`0 0 0 30 2 */2` never fires: a step keeps the star, so February 30 AND the weekday", async () => {
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 0 0 30 2 */2")), { denied: ["schedule/never-fires"], warned: [] });
  });
  test("recovery from a completed Backup without backupId or serverName", async () => {
    for (const missing of ["backupId", "serverName"]) {
      const backup = withField(completedBackup(), `status.${missing}`, undefined);
      assert.deepEqual(await rules("Cluster", restore, { state: { ...state, backups: [backup] } }), { denied: ["recovery/backup"], warned: [] }, missing);
    }
  });
  test("recovery when the Backup's recorded Secret lacks the recorded key", async () => {
    const v = await rules("Cluster", restore, { state: { ...state, secrets: { minio: ["ACCESS_KEY_ID"] }, backups: [completedBackup()] } });
    assert.deepEqual(v, { denied: ["recovery/secrets"], warned: [] });
  });
  test("recovery from a Backup that is not completed (release 0.5 does not wait)", async () => {
    const running = withField(completedBackup(), "status.phase", "running");
    assert.deepEqual(await rules("Cluster", restore, { state: { ...state, backups: [running] } }), { denied: ["recovery/backup"], warned: [] });
  });
  test("an endpoint host with _ (botocore: Invalid endpoint)", async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.endpointURL`, "http://minio_store:9000")), { denied: ["objectstore/endpoint"], warned: [] });
  });
  test("AWS's reserved bucket names", async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.destinationPath`, "s3://amzn-s3-demo-bucket/pg")), {
      denied: ["objectstore/bucket-name"],
      warned: [],
    });
  });
  test("shell metacharacters in destinationPath (release 0.5 pastes it into a shell restore_command)", async () => {
    assert.deepEqual(await rules("Cluster", cluster(`${STORE}.destinationPath`, "s3://backups/pg;touch /tmp/x")), {
      denied: ["objectstore/shell-unsafe"],
      warned: [],
    });
  });
  test("schedules firing every minute or every hour", async () => {
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 * * * * *")), { denied: ["schedule/frequency"], warned: [] });
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 0 * * * *")), { denied: [], warned: ["schedule/frequency"] });
  });
  test("suspend: true, which release 0.5 never reads", async () => {
    const suspended = withField(schedule("0 0 0 * * *"), "spec.suspend", true);
    assert.deepEqual(await rules("ScheduledBackup", suspended), { denied: [], warned: ["schedule/suspend"] });
  });
});

describe("issue 10: the five-field cases", () => {
  test("`0 0 * * *` and `* * * * *` are denied with both readings; `0 0 0 * *` and `0 30 2 * *` are admitted with a warning", async () => {
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 0 * * *")), { denied: ["schedule/five-fields"], warned: [] });
    assert.deepEqual(await rules("ScheduledBackup", schedule("* * * * *")), { denied: ["schedule/five-fields"], warned: [] });
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 0 0 * *")), { denied: [], warned: ["schedule/five-fields"] });
    assert.deepEqual(await rules("ScheduledBackup", schedule("0 30 2 * *")), { denied: [], warned: ["schedule/five-fields"] });
  });
  test("a Backup of a Cluster without backup configuration still fails at once", async () => {
    const noBackup = withField(validCluster("plain"), "spec.backup", undefined);
    assert.deepEqual(await rules("Backup", validBackup("b", "plain"), { state: { clusters: [noBackup] } }), { denied: ["backup/cluster"], warned: [] });
  });
});
