// objectstore/wal-archive-shared. Release 0.5 has no empty-archive check before archiving (cnp v0.5.0
// cmd/manager/app/wal_archive_main.go:80-110) and barman-cloud 2.12 writes <prefix>/<server>/wals/...
// (clients/cloud_walarchive.py:198-204): two writers of one folder overwrite each other's segments.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Backup, Cluster } from "../../generated/types/index.js";
import {
  check,
  completedBackup,
  CREDS_KEYS,
  CREDS_SECRET,
  judge,
  stateResolver,
  validCluster,
  withField,
  type ClusterState,
} from "../../tools/testkit/admission.js";

const RULE = "objectstore/wal-archive-shared";
const STORE = "spec.backup.barmanObjectStore";
const PATH = `${STORE}.destinationPath`;
const secrets = { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS };
const clean = { denied: [], warned: [] };
const collision = { denied: [[RULE, "Duplicate", PATH]], warned: [] };

const inNamespace = <T extends Cluster | Backup>(o: T, namespace: string): T => withField(o, "metadata.namespace", namespace);
const store = (cluster: Cluster, field: string, value: unknown): Cluster => withField(cluster, `${STORE}.${field}`, value);
/** validCluster archives into s3://backups/pg/pg/ on AWS S3. */
const verdict = (object: Cluster, state: ClusterState, opts = {}) => judge("Cluster", object, { state: { secrets, ...state }, ...opts });

describe("objectstore/wal-archive-shared: one writer per WAL folder, across namespaces", () => {
  test("another Cluster in another namespace with the same archive: denied, naming it and the fix", async () => {
    const other = inNamespace(validCluster("pg"), "team-b");
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [other] }), collision);
    const { errors } = await check("Cluster", validCluster("pg"), { state: { secrets, clusters: [other] } });
    assert.deepEqual(errors, [
      `${PATH}: Duplicate value: "s3://backups/pg": Cluster "pg" in namespace "team-b" already uses the WAL archive s3://backups/pg/pg/: release 0.5 would archive on top of it and the backups there could no longer be restored; set spec.backup.barmanObjectStore.serverName or another destinationPath`,
    ]);
  });

  test("a different serverName, prefix, bucket or store: admitted", async () => {
    const other = inNamespace(validCluster("pg"), "team-b");
    for (const ours of [
      store(validCluster("pg"), "serverName", "pg-2"),
      store(validCluster("pg"), "destinationPath", "s3://backups/pg-2"),
      store(validCluster("pg"), "destinationPath", "s3://other-bucket/pg"),
      store(validCluster("pg"), "endpointURL", "https://minio.storage.svc:9000"),
    ]) {
      assert.deepEqual(await verdict(ours, { clusters: [other] }), clean, JSON.stringify(ours.spec.backup));
    }
  });

  test("as barman reads paths: scheme case, leading and trailing '/', an explicit AWS endpoint are the same archive", async () => {
    // cloud.py: urlparse + lstrip('/') and os.path.join(prefix, server); AWS's own endpoints reach the one S3 namespace.
    const other = inNamespace(validCluster("pg"), "team-b");
    for (const ours of [
      store(validCluster("pg"), "destinationPath", "S3://backups//pg/"),
      store(validCluster("pg"), "endpointURL", "https://s3.eu-west-1.amazonaws.com"),
      store(validCluster("pg"), "endpointURL", ""),
      store(validCluster("other-name"), "serverName", "pg"),
    ]) {
      assert.deepEqual(await verdict(ours, { clusters: [other] }), collision, JSON.stringify(ours.spec.backup));
    }
  });

  test("a Backup whose status recorded the archive (a Cluster of that name existed before): denied on CREATE", async () => {
    const left = withField(completedBackup("nightly-20201026", "pg"), "status", {
      ...completedBackup().status,
      destinationPath: "s3://backups/pg",
      endpointURL: undefined,
      serverName: "pg",
    });
    const found = await check("Cluster", validCluster("pg"), { state: { secrets, backups: [left] } });
    assert.deepEqual(
      found.violations.map((v) => [v.rule, v.type, v.field]),
      [[RULE, "Duplicate", PATH]],
    );
    assert.match(found.errors[0]!, /Backup "nightly-20201026" \(of Cluster "pg"\) already uses the WAL archive s3:\/\/backups\/pg\/pg\//);
  });

  test("a Backup that has not recorded an archive yet does not count", async () => {
    const pending = withField(completedBackup("b", "pg"), "status", { phase: "started" });
    assert.deepEqual(await verdict(validCluster("pg"), { backups: [pending] }), clean);
  });

  test("several writers: Clusters named first, at most three, the rest counted", async () => {
    const clusters = ["a", "b", "c", "d"].map((ns) => inNamespace(validCluster("pg"), ns));
    const { errors } = await check("Cluster", validCluster("pg"), { state: { secrets, clusters } });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /Cluster "pg" in namespace "a", Cluster "pg" in namespace "b", Cluster "pg" in namespace "c" and 1 more already use/);
  });

  test("a second document of the same Cluster (validate's files hold the object itself once) is a collision", async () => {
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [validCluster("pg")] }), clean, "the object itself");
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [validCluster("pg"), validCluster("pg")] }), collision);
  });

  test("recovering into the archive of the Backup it restores from: the disaster-recovery flow, warned; denied only while a live Cluster writes there", async () => {
    // PostgreSQL continues on a new timeline after archive recovery (xlog.c StartupXLOG): no segment of the
    // restored history is overwritten; a second live writer on the same timeline would be.
    const backup = completedBackup("bk", "pg-old");
    const restoring = withField(store(validCluster("pg-old"), "destinationPath", "s3://backups/"), `${STORE}.endpointURL`, "http://minio:9000");
    const recovering = withField(restoring, "spec.bootstrap", { fullRecovery: { backup: { name: "bk" } } });
    const alone = await check("Cluster", recovering, { state: { secrets, backups: [backup] } });
    assert.deepEqual(alone.violations, []);
    assert.ok(alone.warningFindings.some((w) => w.rule === "recovery/archive-collision"));
    const old = inNamespace(withField(recovering, "spec.bootstrap", undefined), "elsewhere");
    const live = await check("Cluster", recovering, { state: { secrets, backups: [backup], clusters: [old] } });
    assert.deepEqual(
      live.violations.map((v) => v.rule),
      ["objectstore/wal-archive-shared"],
    );
  });

  test("UPDATE: an unchanged archive is not looked up again (ratcheting); moving it onto another's is denied", async () => {
    const other = inNamespace(validCluster("pg"), "team-b");
    const resolver = stateResolver({ secrets, clusters: [other] });
    const labelled = withField(validCluster("pg"), "metadata.labels", { team: "a" });
    const unchanged = await check("Cluster", labelled, { resolver, operation: "UPDATE", old: validCluster("pg") });
    assert.deepEqual(unchanged.violations, []);
    assert.deepEqual(
      resolver.calls.filter((c) => c.kind === "index"),
      [],
    );
    const before = store(validCluster("pg"), "serverName", "pg-a");
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [other] }, { operation: "UPDATE", old: before }), {
      denied: [[RULE, "Duplicate", `${STORE}.serverName`]],
      warned: [],
    });
  });

  test("UPDATE: the Cluster's own Backups and its own cached copy do not count", async () => {
    const own = withField(completedBackup("mine", "pg"), "status", {
      ...completedBackup().status,
      destinationPath: "s3://backups/pg",
      endpointURL: undefined,
      serverName: "pg",
    });
    const before = store(validCluster("pg"), "serverName", "pg-a");
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [validCluster("pg")], backups: [own] }, { operation: "UPDATE", old: before }), clean);
  });

  test("a Cluster that exists (audit, validate with its own document): its own Backups do not count, another Cluster still does", async () => {
    const own = withField(completedBackup("mine", "pg"), "status", {
      ...completedBackup().status,
      destinationPath: "s3://backups/pg",
      endpointURL: undefined,
      serverName: "pg",
    });
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [validCluster("pg")], backups: [own] }), clean);
    const other = inNamespace(validCluster("pg"), "team-b");
    assert.deepEqual(await verdict(validCluster("pg"), { clusters: [validCluster("pg"), other], backups: [own] }), collision);
  });

  test("no cluster to ask: a could-not-verify warning; --strict-references denies", async () => {
    const unreachable = { secrets, unreachable: true };
    const warned = await check("Cluster", validCluster("pg"), { state: unreachable });
    assert.ok(
      warned.warningFindings.some((w) => w.rule === RULE && w.field === PATH && /could not verify that this WAL archive is unused/.test(w.message)),
      JSON.stringify(warned.warnings),
    );
    const strict = await check("Cluster", validCluster("pg"), { state: unreachable, strict: true });
    assert.ok(strict.violations.some((v) => v.rule === RULE && v.type === "Invalid" && v.field === PATH));
  });

  test("a Cluster without an object store looks nothing up", async () => {
    const resolver = stateResolver({ secrets, clusters: [inNamespace(validCluster("pg"), "b")] });
    const plain = withField(validCluster("pg"), "spec.backup", undefined);
    assert.equal((await check("Cluster", plain, { resolver })).allowed, true);
    assert.deepEqual(resolver.calls, []);
  });
});
