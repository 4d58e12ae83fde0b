// The postgresql/* rules: what PostgreSQL itself refuses in what release 0.5 writes for it. The
// checkers' agreement with real PostgreSQL 10-13 is webhook/postgres/oracle.test.ts; these are the rules'
// own cases, each bad one denied with PostgreSQL's reason beside its good twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, CREDS_KEYS, CREDS_SECRET, judge, validCluster, withField } from "../../tools/testkit/admission.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const on = (image: string, cluster = validCluster()) => withField(cluster, "spec.imageName", `quay.io/enterprisedb/postgresql:${image}`);
const withHba = (lines: string[], image = "13.1") => withField(on(image), "spec.postgresql.pg_hba", lines);
const withParameters = (parameters: Record<string, string>, image = "13.1") => withField(on(image), "spec.postgresql.parameters", parameters);

describe("postgresql/pg-hba: release 0.5 pastes the entries into pg_hba.conf (pkg/postgres/configuration.go CreateHBARules)", () => {
  test("entries PostgreSQL refuses are denied with its reason (hba.c parse_hba_line)", async () => {
    const c = await check("Cluster", withHba(["host all all 10.0.0.1 md5", "host all all 10.0.0.0/8", "host all all 10.0.0.0/8 md6"]), { state });
    assert.deepEqual(
      c.violations.map((v) => [v.rule, v.type, v.field]),
      [0, 1, 2].map((i) => ["postgresql/pg-hba", "Invalid", `spec.postgresql.pg_hba[${i}]`]),
    );
    // Without a mask the next word is read as the netmask (hba.c parse_hba_line).
    assert.match(c.errors[0] ?? "", /PostgreSQL 13 refuses this entry: invalid IP mask "md5"/);
    assert.match(c.errors[2] ?? "", /invalid authentication method "md6"/);
  });

  test("the good twins, and the seed's own entries, are admitted", async () => {
    const v = await judge("Cluster", withHba(["host all all 10.0.0.0/8 md5", "hostssl app app 0.0.0.0/0 scram-sha-256", "local all all peer"]), { state });
    assert.deepEqual(v, { denied: [], warned: [] });
  });

  test("the major counts: hostgssenc came in 12 (hba.c REL_12_STABLE), 11 refuses the connection type", async () => {
    assert.deepEqual((await judge("Cluster", withHba(["hostgssenc all all 0.0.0.0/0 gss"], "11.10"), { state })).denied, [
      ["postgresql/pg-hba", "Invalid", "spec.postgresql.pg_hba[0]"],
    ]);
    assert.deepEqual((await judge("Cluster", withHba(["hostgssenc all all 0.0.0.0/0 gss"], "12.5"), { state })).denied, []);
  });

  test("a major the checks do not know is warned as not checked, never denied", async () => {
    const v = await judge("Cluster", withHba(["host all all 10.0.0.1 md5"], "14.1"), { state });
    assert.deepEqual(v, { denied: [], warned: [["postgresql/pg-hba", "spec.postgresql.pg_hba"]] });
  });
});

describe("postgresql/parameters: written as name = 'value' into custom.conf (configuration.go CreatePostgresqlConfiguration)", () => {
  test("a name the major lacks is denied: wal_keep_segments is gone in 13, wal_keep_size new in 13 (guc.c)", async () => {
    assert.deepEqual((await judge("Cluster", withParameters({ wal_keep_segments: "64" }, "13.1"), { state })).denied, [
      ["postgresql/parameters", "Invalid", "spec.postgresql.parameters[wal_keep_segments]"],
    ]);
    assert.deepEqual((await judge("Cluster", withParameters({ wal_keep_segments: "64" }, "12.5"), { state })).denied, []);
    assert.deepEqual((await judge("Cluster", withParameters({ wal_keep_size: "1GB" }, "12.5"), { state })).denied, [
      ["postgresql/parameters", "Invalid", "spec.postgresql.parameters[wal_keep_size]"],
    ]);
  });

  test("values the parser refuses are denied with PostgreSQL's words; custom names with a dot pass", async () => {
    const c = await check("Cluster", withParameters({ shared_buffers: "lots", work_mem: "8MB", "pg_stat_statements.max": "10000" }), { state });
    assert.deepEqual(c.fields, ["spec.postgresql.parameters[shared_buffers]"]);
    assert.match(c.errors[0] ?? "", /PostgreSQL 13 refuses the configuration: invalid value for parameter "shared_buffers": "lots"/);
    assert.deepEqual((await judge("Cluster", withParameters({ shared_buffers: "512MB", "myext.setting": "anything" }), { state })).denied, []);
  });

  test("what fails only together is denied on the map: the operator's max_worker_processes counts toward max_connections' limit", async () => {
    // postmaster.c: MaxBackends = max_connections + autovacuum + max_worker_processes (32, configuration.go:173-178) + ...
    const c = await check("Cluster", withParameters({ max_connections: "262142" }), { state });
    assert.deepEqual(c.fields, ["spec.postgresql.parameters[max_connections]"]);
  });

  test("a major the checks do not know: names only, as warnings", async () => {
    const v = await judge("Cluster", withParameters({ shared_buffers: "lots", no_such_setting: "1" }, "14.1"), { state });
    assert.deepEqual(v, {
      denied: [],
      warned: [
        ["postgresql/parameters", "spec.postgresql.parameters"],
        ["postgresql/parameters", "spec.postgresql.parameters[no_such_setting]"],
      ],
    });
  });
});

describe("postgresql/major", () => {
  test("PostgreSQL below 10 is denied: release 0.5 always writes max_parallel_workers (configuration.go:173-178)", async () => {
    assert.deepEqual((await judge("Cluster", on("9.6.20"), { state })).denied, [["postgresql/major", "Invalid", "spec.imageName"]]);
    assert.deepEqual((await judge("Cluster", on("10.15"), { state })).denied, []);
  });
});

describe("postgresql/initdb-role: initdb.go configureNewInstance runs CREATE USER owner, CREATE USER streaming_replica, CREATE DATABASE", () => {
  test("an owner postgres or streaming_replica, or a database initdb made, is denied", async () => {
    for (const [owner, database] of [
      ["postgres", "app"],
      ["streaming_replica", "app"],
      ["app", "template1"],
    ]) {
      const c = withField(validCluster(), "spec.bootstrap", { initdb: { database, owner } });
      assert.equal((await judge("Cluster", c, { state })).denied[0]?.[0], "postgresql/initdb-role", `${owner}/${database}`);
    }
    // database postgres with the owner left out: the owner is "postgres" too, both denied.
    const defaulted = await judge("Cluster", withField(validCluster(), "spec.bootstrap", { initdb: { database: "postgres" } }), { state });
    assert.deepEqual(defaulted.denied, [
      ["postgresql/initdb-role", "Invalid", "spec.bootstrap.initdb.owner"],
      ["postgresql/initdb-role", "Invalid", "spec.bootstrap.initdb.database"],
    ]);
  });

  test("the good twins: other names, in any case PostgreSQL keeps apart", async () => {
    for (const owner of ["app", "Postgres", "orders"]) {
      const c = withField(validCluster(), "spec.bootstrap", { initdb: { database: "orders", owner } });
      assert.deepEqual((await judge("Cluster", c, { state })).denied, [], owner);
    }
  });
});

describe("postgresql/secrets: mounted into the Pods, the password key read by the init container (initdb.go VerifyConfiguration)", () => {
  const named = withField(withField(validCluster(), "spec.superuserSecret", { name: "pg-superuser" }), "spec.bootstrap", {
    initdb: { database: "app", secret: { name: "pg-app" } },
  });

  test("present without a password key: denied; absent: warned; present with it: admitted", async () => {
    const without = await judge("Cluster", named, {
      state: { secrets: { ...state.secrets, "pg-superuser": ["username"], "pg-app": ["username", "password"] } },
    });
    assert.deepEqual(without.denied, [["postgresql/secrets", "NotFound", "spec.superuserSecret.name"]]);
    const absent = await judge("Cluster", named, { state });
    assert.deepEqual(absent, {
      denied: [],
      warned: [
        ["postgresql/secrets", "spec.superuserSecret.name"],
        ["postgresql/secrets", "spec.bootstrap.initdb.secret.name"],
      ],
    });
    const good = await judge("Cluster", named, { state: { secrets: { ...state.secrets, "pg-superuser": ["password"], "pg-app": ["password"] } } });
    assert.deepEqual(good, { denied: [], warned: [] });
  });

  test("--strict-references denies what could not be verified; no Secret value appears in any message", async () => {
    const strict = await check("Cluster", named, { state: { ...state, unreachable: true }, strict: true });
    assert.ok(strict.violations.some((v) => v.rule === "postgresql/secrets" && v.field === "spec.superuserSecret.name"));
    const c = await check("Cluster", named, { state: { secrets: { ...state.secrets, "pg-superuser": ["pasword"], "pg-app": ["password"] } } });
    assert.deepEqual(c.errors, ['spec.superuserSecret.name: Not found: "password": Secret "pg-superuser" has no key "password"; did you mean "pasword"?']);
  });

  test("unset or empty names are the operator's own generated Secrets: nothing is looked up", async () => {
    const c = withField(withField(validCluster(), "spec.superuserSecret", { name: "" }), "spec.bootstrap", { initdb: { database: "app", secret: {} } });
    const v = await judge("Cluster", withField(c, "spec.superuserSecret", undefined), { state });
    assert.deepEqual(v, { denied: [], warned: [] });
  });
});
