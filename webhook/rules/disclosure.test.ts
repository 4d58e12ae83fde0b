// What a message tells of looked-up objects (README "Who may ask"): everything to the apiserver (a
// client certificate verified against --client-ca) and in `validate`/`audit`; to anyone else on the
// port, nothing outside the request's namespace, no free text stored in a Backup, no key of a Secret.
// The verdict is the same at both levels: only the wording differs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Backup, Cluster } from "../../generated/types/index.js";
import type { KindName } from "../../schemas/kinds.js";
import {
  check,
  completedBackup,
  CREDS_KEYS,
  CREDS_SECRET,
  validBackup,
  validCluster,
  validScheduledBackup,
  withField,
  type Checked,
  type ClusterState,
} from "../../tools/testkit/admission.js";

const secrets = { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS };
/** What barman-cloud-backup leaves in status.error when S3 refuses it: an account ID and a role ARN. */
const STORED_ERROR = "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/pg-backup/i-0abc is not authorized to perform: s3:PutObject";

/** The Cluster of the seed's cluster-restore example, restoring Backup `backup-example`. */
const restore = (): Cluster =>
  withField(withField(validCluster("cluster-restore"), "spec.bootstrap", { fullRecovery: { backup: { name: "backup-example" } } }), "spec.backup", undefined);
const inNamespace = <T extends Cluster | Backup>(o: T, namespace: string): T => withField(o, "metadata.namespace", namespace);
const store = (cluster: Cluster, field: string, value: unknown): Cluster => withField(cluster, `spec.backup.barmanObjectStore.${field}`, value);

/** Every message of an answer, errors and warnings. */
const messages = (c: Checked): string[] => [...c.errors, ...c.warningFindings.map((w) => `${w.field}: ${w.message}`)];
/** The verdict without its wording: allowed, and rule, type and field of every finding. */
const verdictOf = (c: Checked) => ({
  allowed: c.allowed,
  denied: c.violations.map((v) => [v.rule, v.type, v.field]),
  warned: c.warningFindings.map((w) => [w.rule, w.field]),
});

/** The object judged at both levels; asserts the same verdict and returns both answers' messages. */
async function atBothLevels(kind: KindName, object: unknown, state: ClusterState): Promise<{ full: string[]; restricted: string[]; denied: boolean }> {
  const full = await check(kind, object, { state, disclosure: "full" });
  const restricted = await check(kind, object, { state, disclosure: "restricted" });
  assert.deepEqual(verdictOf(restricted), verdictOf(full), "the verdict does not depend on the disclosure level");
  assert.deepEqual(verdictOf(await check(kind, object, { state })), verdictOf(full));
  assert.deepEqual(messages(await check(kind, object, { state })), messages(full), "full is the default (validate, audit)");
  return { full: messages(full), restricted: messages(restricted), denied: !full.allowed };
}

const has = (texts: string[], part: string): boolean => texts.some((t) => t.includes(part));

describe("recovery/backup", () => {
  const failed = withField(completedBackup(), "status", { phase: "failed", error: STORED_ERROR });
  test("a failed Backup: its stored error only in full; restricted says where to look", async () => {
    const { full, restricted, denied } = await atBothLevels("Cluster", restore(), { secrets, backups: [failed] });
    assert.ok(denied);
    assert.ok(has(full, `Backup "backup-example" failed: ${STORED_ERROR}; recover from a completed backup`), full.join("\n"));
    assert.ok(!has(restricted, "123456789012") && !has(restricted, "arn:aws") && !has(restricted, "AccessDenied"), restricted.join("\n"));
    assert.deepEqual(restricted, [
      'spec.bootstrap.fullRecovery.backup.name: Invalid value: "backup-example": Backup "backup-example" failed; see `kubectl describe backup backup-example`; recover from a completed backup',
    ]);
  });
  test("failed without an error, not completed, absent: the same words at both levels (the request's own names and namespace)", async () => {
    for (const backups of [[withField(failed, "status.error", undefined)], [withField(failed, "status", { phase: "running" })], []]) {
      const { full, restricted, denied } = await atBothLevels("Cluster", restore(), { secrets, backups });
      assert.ok(denied);
      assert.deepEqual(restricted, full);
    }
  });
});

describe("recovery/restore-command", () => {
  test("the recorded value only in full; restricted names the field and the character", async () => {
    const backup = withField(completedBackup(), "status.destinationPath", "s3://acme-prod-123456789012/$x");
    const { full, restricted, denied } = await atBothLevels("Cluster", restore(), { secrets, backups: [backup] });
    assert.ok(denied);
    assert.ok(has(full, 'recorded destinationPath "s3://acme-prod-123456789012/$x": "$" is special to the shell'), full.join("\n"));
    assert.ok(!has(restricted, "acme-prod"), restricted.join("\n"));
    assert.ok(has(restricted, 'in the destinationPath Backup "backup-example" recorded, "$" is special to the shell'), restricted.join("\n"));
  });
});

describe("recovery/wal-folder", () => {
  test("the recorded server name and archive only in full", async () => {
    const backup = withField(completedBackup("backup-example", "pg-old"), "status.serverName", "pg-archive-acme");
    const { full, restricted, denied } = await atBothLevels("Cluster", restore(), { secrets, backups: [backup] });
    assert.ok(denied);
    assert.ok(has(full, '"pg-archive-acme"') && has(full, "s3://backups/pg-old/ at http://minio:9000"), full.join("\n"));
    assert.ok(!has(restricted, "pg-archive-acme") && !has(restricted, "minio") && !has(restricted, "s3://"), restricted.join("\n"));
    assert.ok(
      has(restricted, 'was archived under a server name other than its cluster\'s, but release 0.5 replays WAL from the folder of its cluster "pg-old"'),
    );
  });
});

describe("a Secret's keys: recovery/secrets and objectstore/credential-secrets", () => {
  const nearKeys = { [CREDS_SECRET]: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEYS"], minio: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEYS"] };
  test("the Cluster's own selector: the missing key at both levels, the Secret's near key only in full", async () => {
    const { full, restricted, denied } = await atBothLevels("Cluster", validCluster(), { secrets: nearKeys });
    assert.ok(denied);
    assert.ok(has(full, 'did you mean "ACCESS_SECRET_KEYS"?'), full.join("\n"));
    assert.ok(!has(restricted, "ACCESS_SECRET_KEYS"), restricted.join("\n"));
    assert.ok(has(restricted, `Secret "${CREDS_SECRET}" has no key "ACCESS_SECRET_KEY"`), restricted.join("\n"));
  });
  test("the selector recorded in the Backup: likewise", async () => {
    const { full, restricted, denied } = await atBothLevels("Cluster", restore(), { secrets: nearKeys, backups: [completedBackup()] });
    assert.ok(denied);
    assert.ok(has(full, 'did you mean "ACCESS_SECRET_KEYS"?'), full.join("\n"));
    assert.ok(!has(restricted, "ACCESS_SECRET_KEYS"), restricted.join("\n"));
    assert.ok(has(restricted, 'Secret "minio" recorded in Backup "backup-example" has no key "ACCESS_SECRET_KEY"'), restricted.join("\n"));
  });
});

describe("postgresql/secrets: the password key", () => {
  test("the missing key at both levels, the Secret's near key only in full", async () => {
    const named = withField(validCluster(), "spec.superuserSecret", { name: "pg-superuser" });
    const { full, restricted, denied } = await atBothLevels("Cluster", named, { secrets: { ...secrets, "pg-superuser": ["pasword"] } });
    assert.ok(denied);
    assert.ok(has(full, 'did you mean "pasword"?'), full.join("\n"));
    assert.deepEqual(restricted, ['spec.superuserSecret.name: Not found: "password": Secret "pg-superuser" has no key "password"']);
  });
});

describe("recovery/source-compatibility", () => {
  test("the source Cluster's major at both levels, its image reference only in full", async () => {
    const image = "registry.acme.internal/pg:12.5";
    const sourceCluster = withField(validCluster("pg-old"), "spec.imageName", image);
    const { full, restricted, denied } = await atBothLevels("Cluster", restore(), { secrets, backups: [completedBackup()], clusters: [sourceCluster] });
    assert.ok(denied);
    assert.ok(has(full, `ran PostgreSQL 12 (${image})`), full.join("\n"));
    assert.ok(!has(restricted, "acme"), restricted.join("\n"));
    assert.ok(has(restricted, 'Cluster "pg-old", the source of Backup "backup-example" ran PostgreSQL 12: the restored data files'), restricted.join("\n"));
  });
});

describe("objectstore/wal-archive-shared", () => {
  const PATH = "spec.backup.barmanObjectStore.destinationPath";
  const tail =
    "the WAL archive s3://backups/pg/pg/: release 0.5 would archive on top of it and the backups there could no longer be restored; set spec.backup.barmanObjectStore.serverName or another destinationPath";
  test("a writer in another namespace: named only in full; restricted, not even its namespace", async () => {
    const other = inNamespace(validCluster("pg"), "team-b");
    const otherBackup = inNamespace(withField(completedBackup("nightly-b", "pg"), "status.destinationPath", "s3://backups/pg"), "team-c");
    const state = { secrets, clusters: [other], backups: [withField(otherBackup, "status.endpointURL", undefined)] };
    const { full, restricted, denied } = await atBothLevels("Cluster", validCluster("pg"), state);
    assert.ok(denied);
    assert.ok(has(full, '"team-b"') && has(full, '"team-c"'), full.join("\n"));
    assert.deepEqual(restricted, [`${PATH}: Duplicate value: "s3://backups/pg": a Cluster or Backup in another namespace already uses ${tail}`]);
  });
  test("writers in the request's namespace and another: those of the request's namespace named", async () => {
    const here = store(validCluster("pg-twin"), "serverName", "pg");
    const state = { secrets, clusters: [here, inNamespace(validCluster("pg"), "team-b")] };
    const { full, restricted } = await atBothLevels("Cluster", validCluster("pg"), state);
    assert.ok(has(full, 'Cluster "pg-twin", Cluster "pg" in namespace "team-b" already use'), full.join("\n"));
    assert.deepEqual(restricted, [
      `${PATH}: Duplicate value: "s3://backups/pg": Cluster "pg-twin", and a Cluster or Backup in another namespace, already use ${tail}`,
    ]);
  });
  test("writers of the request's namespace only: the same words at both levels", async () => {
    const here = store(validCluster("pg-twin"), "serverName", "pg");
    const { full, restricted, denied } = await atBothLevels("Cluster", validCluster("pg"), { secrets, clusters: [here] });
    assert.ok(denied);
    assert.deepEqual(restricted, full);
  });
});

describe("backup/cluster and scheduledbackup/cluster name only what the request names, in its namespace", () => {
  test("absent, or without a backup configuration: the same words at both levels", async () => {
    const bare = withField(validCluster("pg"), "spec.backup", undefined);
    for (const clusters of [[], [bare]]) {
      for (const [kind, object] of [
        ["Backup", validBackup("b", "pg")],
        ["ScheduledBackup", validScheduledBackup("s", "pg")],
      ] as const) {
        const { full, restricted } = await atBothLevels(kind, object, { secrets, clusters });
        assert.ok(full.length > 0, `${kind} ${clusters.length}`);
        assert.deepEqual(restricted, full);
      }
    }
  });
});
