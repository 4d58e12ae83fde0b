import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CREDS_KEYS, CREDS_SECRET, judge, validCluster, withField } from "../../tools/testkit/admission.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const withParameters = (parameters: Record<string, string>) => withField(validCluster(), "spec.postgresql.parameters", parameters);

describe("cluster/parameters", () => {
  test("the parameters release 0.5 fixes are denied, whatever their case", async () => {
    for (const p of ["archive_command", "wal_level", "Port", "ssl_cert_file", "recovery_target_time", "unix_socket_group", "data_directory", "log_directory"]) {
      assert.deepEqual(await judge("Cluster", withParameters({ [p]: "x" }), { state }), {
        denied: [["cluster/parameters", "Forbidden", `spec.postgresql.parameters[${p}]`]],
        warned: [],
      });
    }
  });

  test("the operator's code wins over the first wording of the rule: logging_collector 'off' is what its own webhook writes into every Cluster", async () => {
    // cnp v0.5.0 pkg/postgres/configuration.go:173-178 and api/v1alpha1/cluster_webhook.go:71-79: every
    // Cluster the operator's mutating webhook has seen carries logging_collector: "off".
    const defaulted = withParameters({
      max_parallel_workers: "32",
      max_worker_processes: "32",
      max_replication_slots: "32",
      logging_collector: "off",
      wal_keep_size: "512MB",
    });
    assert.deepEqual(await judge("Cluster", defaulted, { state }), { denied: [], warned: [] });
    // ... and the values it always forces are harmless to repeat.
    assert.deepEqual(await judge("Cluster", withParameters({ archive_mode: "on", wal_level: "logical", port: "5432" }), { state }), { denied: [], warned: [] });
    assert.deepEqual(await judge("Cluster", withParameters({ logging_collector: "on" }), { state }), {
      denied: [["cluster/parameters", "Forbidden", "spec.postgresql.parameters[logging_collector]"]],
      warned: [],
    });
  });

  test("ordinary parameters, and ones first listed but the operator does not fix, are admitted", async () => {
    const ordinary = withParameters({ shared_buffers: "256MB", max_connections: "200", log_min_duration_statement: "1s", ssl_renegotiation_limit: "0" });
    assert.deepEqual(await judge("Cluster", ordinary, { state }), { denied: [], warned: [] });
  });
});
