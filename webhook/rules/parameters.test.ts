// cluster/parameters and cluster/image-with-parameters, against what release 0.5's code does with the
// parameters it fixes (docs/operator-0.5.md §5 and §10).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CREDS_KEYS, CREDS_SECRET, judge, validCluster, withField } from "../../tools/testkit/admission.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const withParameters = (parameters: Record<string, string>, cluster = validCluster()) => withField(cluster, "spec.postgresql.parameters", parameters);
const P = (name: string) => `spec.postgresql.parameters[${name}]`;

describe("cluster/parameters on CREATE: release 0.5's webhook never looks at parameters, its configuration writer decides", () => {
  test("a mandatory parameter set to another value is ignored (warned): the operator writes its own value after the user's", async () => {
    // cnp v0.5.0 pkg/postgres/configuration.go:187-202 (mandatory settings) and CreatePostgresqlConfiguration:
    // the user's map, then the mandatory values over it; the file is sorted, so `Port` comes before `port`.
    for (const [name, value] of [
      ["archive_command", "x"],
      ["wal_level", "x"],
      ["port", "x"],
      ["ssl_cert_file", "x"],
      ["hot_standby", "x"],
      // Another spelling is another key of the operator's map: written as given (so it must parse, see
      // postgresql/parameters), then the operator's own `port` after it, which wins.
      ["Port", "5433"],
    ]) {
      const v = await judge("Cluster", withParameters({ [name as string]: value as string }), { state });
      assert.deepEqual(v, { denied: [], warned: [["cluster/parameters", P(name as string)]] }, name);
    }
    const v = await judge("Cluster", withParameters({ archive_mode: "on", wal_level: "logical", port: "5432" }), { state });
    assert.deepEqual(v, { denied: [], warned: [] }, "the operator's own values are harmless to repeat");
  });

  test("a fixed, non-mandatory parameter is written as given, with a warning that release 0.5 never lets it change", async () => {
    // cluster_webhook.go:88-104 ValidateCreate has no configuration check; :284-329 refuses changes on UPDATE.
    for (const name of ["huge_pages", "log_directory", "recovery_target_time", "unix_socket_group", "logging_collector"]) {
      const value = { huge_pages: "off", logging_collector: "on", recovery_target_time: "2020-11-20 10:00:00+00" }[name] ?? "x";
      assert.deepEqual(await judge("Cluster", withParameters({ [name]: value }), { state }), { denied: [], warned: [["cluster/parameters", P(name)]] }, name);
    }
  });

  test("what the operator's own webhook writes into every Cluster passes without a word", async () => {
    // configuration.go:173-178 and cluster_webhook.go:71-79: every Cluster its mutating webhook has seen
    // carries these, logging_collector "off" among them.
    const defaulted = withParameters({
      max_parallel_workers: "32",
      max_worker_processes: "32",
      max_replication_slots: "32",
      logging_collector: "off",
      wal_keep_size: "512MB",
    });
    assert.deepEqual(await judge("Cluster", defaulted, { state }), { denied: [], warned: [] });
  });

  test("file locations other than the operator's stop the instance: denied; the operator's own paths pass", async () => {
    // pkg/specs/pods.go:139 PGDATA=/var/lib/postgresql/data/pgdata; pg_hba.conf and pg_ident.conf live in it.
    for (const [name, value] of [
      ["data_directory", "/data"],
      ["hba_file", "/etc/pg_hba.conf"],
      ["ident_file", "/tmp/ident"],
    ]) {
      assert.deepEqual(await judge("Cluster", withParameters({ [name as string]: value as string }), { state }), {
        denied: [["cluster/parameters", "Invalid", P(name as string)]],
        warned: [],
      });
    }
    const own = await judge("Cluster", withParameters({ data_directory: "/var/lib/postgresql/data/pgdata" }), { state });
    assert.deepEqual(own.denied, []);
  });

  test("ordinary parameters are not this rule's business", async () => {
    const ordinary = withParameters({ shared_buffers: "256MB", max_connections: "200", log_min_duration_statement: "1s" });
    assert.deepEqual(await judge("Cluster", ordinary, { state }), { denied: [], warned: [] });
  });
});

describe("cluster/parameters and cluster/image-with-parameters on UPDATE: the operator's own refusals", () => {
  const old = withParameters({ shared_buffers: "256MB", huge_pages: "off" });
  const update = (parameters: Record<string, string>, image?: string) =>
    judge("Cluster", withParameters(parameters, image ? withField(validCluster(), "spec.imageName", image) : validCluster()), {
      state,
      operation: "UPDATE",
      old,
    });

  test("adding or changing a fixed parameter is denied with the operator's words; keeping it is admitted", async () => {
    // cluster_webhook.go:311-328: both sides re-defaulted, then any fixed key new or changed is refused.
    assert.deepEqual(await update({ shared_buffers: "256MB", huge_pages: "on" }), { denied: [["cluster/parameters", "Invalid", P("huge_pages")]], warned: [] });
    assert.deepEqual(await update({ shared_buffers: "256MB", huge_pages: "off", port: "5432" }), {
      denied: [["cluster/parameters", "Invalid", P("port")]],
      warned: [],
    });
    assert.deepEqual(await update({ shared_buffers: "512MB", huge_pages: "off" }), { denied: [], warned: [] });
    // logging_collector "off" is the operator's default on both sides: adding it changes nothing.
    assert.deepEqual(await update({ shared_buffers: "256MB", huge_pages: "off", logging_collector: "off" }), { denied: [], warned: [] });
  });

  test("changing imageName and parameters at once is denied; either alone is admitted", async () => {
    // cluster_webhook.go:287-298: "Can't change image name and configuration at the same time".
    const both = await update({ shared_buffers: "512MB", huge_pages: "off" }, "quay.io/enterprisedb/postgresql:13.3");
    assert.deepEqual(both.denied, [["cluster/image-with-parameters", "Invalid", "spec.imageName"]]);
    assert.deepEqual((await update({ shared_buffers: "256MB", huge_pages: "off" }, "quay.io/enterprisedb/postgresql:13.3")).denied, []);
  });
});
