// recovery/source-compatibility: the recovering Cluster against the Backup's source Cluster. The
// PostgreSQL facts are webhook/postgres/hotstandby.ts's, checked against real standbys in
// webhook/postgres/oracle.test.ts (xlog.c CheckRequiredParameterValues).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, completedBackup, CREDS_KEYS, CREDS_SECRET, judge, validCluster, withField } from "../../tools/testkit/admission.js";

const secrets = { [CREDS_SECRET]: CREDS_KEYS, minio: CREDS_KEYS };
const restoring = (image = "13.2", parameters?: Record<string, string>) => {
  let c = withField(validCluster("restored"), "spec.bootstrap", { fullRecovery: { backup: { name: "backup-example" } } });
  c = withField(c, "spec.backup", undefined);
  c = withField(c, "spec.imageName", `quay.io/enterprisedb/postgresql:${image}`);
  return parameters ? withField(c, "spec.postgresql.parameters", parameters) : c;
};
const source = (image = "13.2", parameters?: Record<string, string>) => {
  const c = withField(validCluster("pg-old"), "spec.imageName", `quay.io/enterprisedb/postgresql:${image}`);
  return parameters ? withField(c, "spec.postgresql.parameters", parameters) : c;
};
const state = (...clusters: unknown[]) => ({ secrets, backups: [completedBackup()], clusters: clusters as never[] });
const RULE = "recovery/source-compatibility";

describe("recovery/source-compatibility with the source Cluster known", () => {
  test("another PostgreSQL major is denied, naming both; a minor update is admitted", async () => {
    const c = await check("Cluster", restoring("13.2"), { state: state(source("12.5")) });
    assert.deepEqual(
      c.violations.map((v) => [v.rule, v.type, v.field]),
      [[RULE, "Invalid", "spec.imageName"]],
    );
    assert.match(c.errors[0] ?? "", /runs PostgreSQL 13, but Cluster "pg-old", the source of Backup "backup-example" ran PostgreSQL 12/);
    assert.deepEqual(await judge("Cluster", restoring("13.4"), { state: state(source("13.1")) }), { denied: [], warned: [] });
  });

  test("hot-standby settings below the source's are denied, each naming both values; equal or higher is admitted", async () => {
    const c = await check("Cluster", restoring("13.2", { max_connections: "100", max_locks_per_transaction: "64" }), {
      state: state(source("13.2", { max_connections: "200", max_locks_per_transaction: "128" })),
    });
    assert.deepEqual(c.fields, ["spec.postgresql.parameters[max_connections]", "spec.postgresql.parameters[max_locks_per_transaction]"]);
    assert.match(c.errors[0] ?? "", /max_connections is 100 here but 200 in Cluster "pg-old"/);
    const same = await judge("Cluster", restoring("13.2", { max_connections: "200", max_locks_per_transaction: "128" }), {
      state: state(source("13.2", { max_connections: "200", max_locks_per_transaction: "128" })),
    });
    assert.deepEqual(same, { denied: [], warned: [] });
  });

  test("defaults on both sides: the operator's max_worker_processes 32 against a source that left it unset", async () => {
    // configuration.go:173-178 writes max_worker_processes = 32 into both; lowering it on the recovering side fails.
    const c = await judge("Cluster", restoring("13.2", { max_worker_processes: "8" }), { state: state(source("13.2")) });
    assert.deepEqual(c.denied, [[RULE, "Invalid", "spec.postgresql.parameters[max_worker_processes]"]]);
    // max_wal_senders counts from 12 (xlog.c REL_12_STABLE); in 11 it is not checked.
    const wal12 = await judge("Cluster", restoring("12.5", { max_wal_senders: "2" }), { state: state(source("12.5", { max_wal_senders: "10" })) });
    assert.deepEqual(wal12.denied, [[RULE, "Invalid", "spec.postgresql.parameters[max_wal_senders]"]]);
    const wal11 = await judge("Cluster", restoring("11.10", { max_wal_senders: "2" }), { state: state(source("11.10", { max_wal_senders: "10" })) });
    assert.deepEqual(wal11.denied, []);
  });
});

describe("recovery/source-compatibility with the source Cluster unknown", () => {
  test("the source deleted (disaster recovery): warned that nothing could be compared, never denied, not even under --strict-references", async () => {
    for (const strict of [false, true]) {
      const v = await judge("Cluster", restoring("13.2", { max_connections: "10" }), { state: state(), strict });
      assert.deepEqual(v, { denied: [], warned: [[RULE, "spec.bootstrap.fullRecovery.backup.name"]] });
    }
  });

  test("recreated under the source's own name: warned, with recovery/archive-collision's word on the timeline", async () => {
    let c = withField(restoring("13.2"), "metadata.name", "pg-old");
    c = withField(c, "spec.backup", {
      barmanObjectStore: { destinationPath: "s3://backups/", endpointURL: "http://minio:9000", s3Credentials: { accessKeyId: { name: "minio" } } },
    });
    const v = await judge("Cluster", c, { state: state() });
    assert.deepEqual(v.denied, []);
    assert.deepEqual(v.warned.map(([rule]) => rule).sort(), ["recovery/archive-collision", RULE]);
  });

  test("a Backup that is not completed is recovery/backup's to deny: nothing is compared", async () => {
    const running = withField(completedBackup(), "status.phase", "running");
    const v = await judge("Cluster", restoring("13.2"), { state: { secrets, backups: [running], clusters: [] } });
    assert.deepEqual(v.warned, []);
  });
});
