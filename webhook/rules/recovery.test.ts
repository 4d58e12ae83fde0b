import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  check,
  completedBackup,
  CREDS_KEYS,
  CREDS_SECRET,
  judge,
  stateResolver,
  validCluster,
  withField,
  type CheckOptions,
} from "../../tools/testkit/admission.js";

const FIELD = "spec.bootstrap.fullRecovery.backup.name";
const SERVER_NAME = "spec.backup.barmanObjectStore.serverName";
/** The seed's cluster-restore example, without a backup configuration of its own. */
const restore = (backup = "backup-example") =>
  withField(withField(validCluster("cluster-restore"), "spec.bootstrap", { fullRecovery: { backup: { name: backup } } }), "spec.backup", undefined);
const secrets = { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS };
/** The Backups' source Cluster is live: recovery/source-compatibility compares with it (recovery-source.test.ts). */
const sources = [validCluster("pg-old")];
const verdict = (object: unknown, backups: unknown[], opts: CheckOptions = {}) =>
  judge("Cluster", object, { state: { secrets, backups: backups as never[], clusters: sources }, ...opts });
const clean = { denied: [], warned: [] };
const deniedBy = (rule: string, type: string, field = FIELD) => ({ denied: [[rule, type, field]], warned: [] });
const warnedBy = (rule: string, field = FIELD) => ({ denied: [], warned: [[rule, field]] });
const laterRelease = { release: { version: "9.9", facts: new Set<never>() } };

describe("recovery/backup", () => {
  test("a completed Backup with its Secrets present: admitted, and no initdb default", async () => {
    assert.deepEqual(await verdict(restore(), [completedBackup()]), clean);
    const v = await check("Cluster", restore(), { state: { secrets, backups: [completedBackup()] } });
    assert.ok(!v.patch.some((op) => op.path.startsWith("/spec/bootstrap")));
  });
  test("absent: denied, because release 0.5 takes the first serial before it reads the Backup and never starts (the code wins over a warning: docs/operator-0.5.md)", async () => {
    // cnp v0.5.0 controllers/cluster_create.go:379-422: latestGeneratedNode = 1 is persisted, then the
    // missing Backup requeues, and the next reconcile refuses to create the primary for ever.
    assert.deepEqual(await verdict(restore(), []), deniedBy("recovery/backup", "NotFound"));
  });
  test("not verifiable: warned; denied under --strict-references", async () => {
    assert.deepEqual(await judge("Cluster", restore(), { state: { unreachable: true } }), warnedBy("recovery/backup"));
    assert.deepEqual(await judge("Cluster", restore(), { state: { unreachable: true }, strict: true }), deniedBy("recovery/backup", "Invalid"));
  });
  test("failed, started, running or without status: denied, release 0.5 does not wait (false admissions before)", async () => {
    for (const status of [{ phase: "failed", error: "upload refused" }, { phase: "started" }, { phase: "running" }, undefined]) {
      assert.deepEqual(
        await verdict(restore(), [withField(completedBackup(), "status", status)]),
        deniedBy("recovery/backup", "Invalid"),
        JSON.stringify(status),
      );
    }
  });
  test("completed without backupId, serverName, destinationPath or s3Credentials: denied once, naming what is missing", async () => {
    for (const missing of ["backupId", "serverName", "destinationPath", "s3Credentials"]) {
      const backup = withField(completedBackup(), `status.${missing}`, undefined);
      assert.deepEqual(await verdict(restore(), [backup]), deniedBy("recovery/backup", "Invalid"), missing);
    }
    // What the operator records for a backup that failed before it started, with phase overwritten: empty selectors.
    const empty = withField(completedBackup(), "status.s3Credentials", { accessKeyId: { key: "" }, secretAccessKey: { key: "" } });
    assert.deepEqual(await verdict(restore(), [empty]), deniedBy("recovery/backup", "Invalid"));
  });
});

describe("recovery/secrets", () => {
  test("the Secret recorded in the Backup is absent: warned", async () => {
    assert.deepEqual(
      await judge("Cluster", restore(), { state: { secrets: {}, backups: [completedBackup()], clusters: sources } }),
      warnedBy("recovery/secrets"),
    );
  });
  test("present but without the recorded key: denied, the restore Pod cannot start (a false admission before)", async () => {
    const v = await judge("Cluster", restore(), { state: { secrets: { minio: ["ACCESS_KEY_ID"] }, backups: [completedBackup()], clusters: sources } });
    assert.deepEqual(v, deniedBy("recovery/secrets", "NotFound"));
  });
  test("a recorded optional selector only warns", async () => {
    const optional = withField(completedBackup(), "status.s3Credentials.secretAccessKey.optional", true);
    assert.deepEqual(
      await judge("Cluster", restore(), { state: { secrets: { minio: ["ACCESS_KEY_ID"] }, backups: [optional], clusters: sources } }),
      warnedBy("recovery/secrets"),
    );
  });
});

describe("recovery/restore-command", () => {
  test("a recorded destinationPath or endpointURL that breaks the shell line is denied", async () => {
    const dollar = withField(completedBackup(), "status.destinationPath", "s3://backups/$x");
    assert.deepEqual(await verdict(restore(), [dollar]), deniedBy("recovery/restore-command", "Invalid"));
    const amp = withField(completedBackup(), "status.endpointURL", "http://minio:9000/?a&b");
    assert.deepEqual(await verdict(restore(), [amp]), deniedBy("recovery/restore-command", "Invalid"));
  });
});

describe("recovery/wal-folder: release 0.5 replays WAL from the Backup's spec.cluster.name", () => {
  const renamed = withField(completedBackup("backup-example", "pg-old"), "status.serverName", "pg-archive");
  test("a Backup archived under another server name is denied (the code wins over a warning: docs/operator-0.5.md)", async () => {
    // cnp v0.5.0 pkg/management/postgres/restore.go:142 passes backup.Spec.Cluster.Name; the base backup
    // holds no WAL (barman 2.12 PGDATA_EXCLUDE_LIST), so the replay from the wrong folder cannot reach consistency.
    assert.deepEqual(await verdict(restore(), [renamed]), deniedBy("recovery/wal-folder", "Invalid"));
  });
  test("the same folder however written is admitted; a release that reads serverName admits it", async () => {
    assert.deepEqual(await verdict(restore(), [withField(renamed, "status.serverName", "pg-old/")]), clean);
    assert.deepEqual(await verdict(restore(), [renamed], { settings: laterRelease }), clean);
  });
});

describe("recovery/archive-collision", () => {
  const backup = completedBackup("backup-example", "pg-old"); // s3://backups/, server pg-old, on http://minio:9000
  const archiving = (store: Record<string, unknown>, name = "cluster-restore") =>
    withField(withField(restore(), "metadata.name", name), "spec.backup", {
      barmanObjectStore: { s3Credentials: { accessKeyId: { name: CREDS_SECRET } }, ...store },
    });
  // PostgreSQL continues on a new timeline after archive recovery (xlog.c StartupXLOG), so the restored
  // history is not overwritten: a warning (a live Cluster writing there is objectstore/wal-archive-shared's denial).
  test("archiving WAL into the folder of the restored backup is warned, however the path is written", async () => {
    for (const [destinationPath, endpointURL] of [
      ["s3://backups", "http://minio:9000/"],
      ["s3://backups//", "http://MINIO:9000"],
      ["s3://backups/", "http://minio:9000"],
    ]) {
      const colliding = archiving({ destinationPath, endpointURL, serverName: "pg-old" });
      assert.deepEqual(await verdict(colliding, [backup]), warnedBy("recovery/archive-collision", SERVER_NAME), destinationPath);
    }
  });
  test("the server name defaults to the cluster's name", async () => {
    const sameName = archiving({ destinationPath: "s3://backups", endpointURL: "http://minio:9000" }, "pg-old");
    // Recreated under the source's own name (disaster recovery): nothing live to compare with either.
    assert.deepEqual(await verdict(sameName, [backup]), {
      denied: [],
      warned: [
        ["recovery/archive-collision", SERVER_NAME],
        ["recovery/source-compatibility", FIELD],
      ],
    });
  });
  test("another serverName, prefix or store is no collision; no endpoint and AWS's own endpoint are the same store", async () => {
    for (const store of [
      { destinationPath: "s3://backups", endpointURL: "http://minio:9000", serverName: "cluster-restore" },
      { destinationPath: "s3://backups/new", endpointURL: "http://minio:9000", serverName: "pg-old" },
      { destinationPath: "s3://backups", serverName: "pg-old" },
      { destinationPath: "s3://backups", endpointURL: "http://minio.storage.svc:9000", serverName: "pg-old" },
    ]) {
      assert.deepEqual(await verdict(archiving(store), [backup]), clean, JSON.stringify(store));
    }
    const onAws = withField(withField(backup, "status.endpointURL", undefined), "status.destinationPath", "s3://backups");
    const explicit = archiving({ destinationPath: "s3://backups", endpointURL: "https://s3.us-east-1.amazonaws.com", serverName: "pg-old" });
    assert.deepEqual(await verdict(explicit, [onAws]), warnedBy("recovery/archive-collision", SERVER_NAME));
  });
});

describe("recovery/backup-name", () => {
  test("the Backup's name must be a DNS-1123 subdomain; an invalid name is not looked up", async () => {
    const resolver = stateResolver({ secrets, backups: [completedBackup()] });
    assert.deepEqual(await judge("Cluster", restore("Bad_Backup"), { resolver }), deniedBy("recovery/backup-name", "Invalid"));
    assert.deepEqual(resolver.calls, []);
  });
});

describe("UPDATE", () => {
  test("no recovery lookups or findings once the cluster exists", async () => {
    const old = restore();
    const resolver = stateResolver({ secrets });
    assert.deepEqual(await judge("Cluster", withField(old, "spec.instances", 4), { operation: "UPDATE", old, resolver }), clean);
    assert.deepEqual(resolver.calls, []);
  });
});
