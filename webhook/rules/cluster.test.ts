import assert from "node:assert/strict";
import { describe, test } from "node:test";
import jsonpatch from "fast-json-patch";
import { check, CREDS_KEYS, CREDS_SECRET, validCluster, withField } from "../../tools/testkit/admission.js";
import { DEFAULT_POSTGRES_IMAGE } from "../deployment.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const admitted = async (object: unknown, opts: Parameters<typeof check>[2] = {}) => {
  const v = await check("Cluster", object, { state, ...opts });
  assert.deepEqual(v.errors, [], "expected no errors");
  assert.equal(v.allowed, true);
  return v;
};
const denied = async (object: unknown, field: string, text: string | RegExp, opts: Parameters<typeof check>[2] = {}) => {
  const v = await check("Cluster", object, { state, ...opts });
  assert.equal(v.allowed, false, `expected a denial on ${field}`);
  const line = v.errors.find((e) => e.startsWith(`${field}: `));
  assert.ok(line, `no error on ${field}; got ${JSON.stringify(v.errors)}`);
  if (typeof text === "string") assert.ok(line.includes(text), `${line} should include ${text}`);
  else assert.match(line, text);
  return v;
};

describe("Cluster defaults (mutating)", () => {
  test("a minimal Cluster gets image, initdb, credential keys, secretAccessKey and data defaults", async () => {
    const minimal = {
      apiVersion: "postgresql.k8s.enterprisedb.io/v1alpha1",
      kind: "Cluster",
      metadata: { name: "pg" },
      spec: {
        instances: 1,
        storage: { size: "1Gi" },
        backup: {
          barmanObjectStore: {
            destinationPath: "s3://backups/pg",
            endpointURL: "bucket.us-east1.linodeobjects.com",
            s3Credentials: { accessKeyId: { name: CREDS_SECRET } },
          },
        },
      },
    };
    const v = await admitted(minimal);
    const patched = jsonpatch.applyPatch(structuredClone(minimal), structuredClone(v.patch) as jsonpatch.Operation[]).newDocument;
    assert.equal((patched.spec as Record<string, unknown>).imageName, DEFAULT_POSTGRES_IMAGE);
    assert.deepEqual((patched.spec as Record<string, unknown>).bootstrap, { initdb: { database: "app", owner: "app" } });
    const store = patched.spec.backup.barmanObjectStore as Record<string, unknown>;
    assert.equal(store.endpointURL, "https://bucket.us-east1.linodeobjects.com");
    assert.deepEqual(store.s3Credentials, {
      accessKeyId: { name: CREDS_SECRET, key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: CREDS_SECRET, key: "ACCESS_SECRET_KEY" },
    });
    assert.deepEqual(store.data, { immediateCheckpoint: false, jobs: 2 });
    assert.equal(store.serverName, undefined, "serverName is never defaulted");
  });

  test("initdb: empty database becomes app, owner follows the database", async () => {
    const c = withField(validCluster(), "spec.bootstrap", { initdb: { database: "", owner: "" } });
    const v = await admitted(c);
    const patched = jsonpatch.applyPatch(structuredClone(c), structuredClone(v.patch) as jsonpatch.Operation[]).newDocument;
    assert.deepEqual(patched.spec.bootstrap?.initdb, { database: "app", owner: "app" });
    const named = await admitted(withField(validCluster(), "spec.bootstrap", { initdb: { database: "orders" } }));
    assert.deepEqual(
      named.patch.filter((op) => op.path.startsWith("/spec/bootstrap")),
      [{ op: "add", path: "/spec/bootstrap/initdb/owner", value: "orders" }],
    );
  });

  test("sessionToken key and an explicit key are respected; a scheme is never added twice", async () => {
    const c = withField(validCluster(), "spec.backup.barmanObjectStore.s3Credentials.sessionToken", { name: CREDS_SECRET });
    const withToken = withField(c, "spec.backup.barmanObjectStore.endpointURL", "http://minio:9000");
    const v = await check("Cluster", withToken, { state: { secrets: { [CREDS_SECRET]: [...CREDS_KEYS, "ACCESS_SESSION_TOKEN"] } } });
    assert.equal(v.allowed, true);
    assert.ok(v.patch.some((op) => op.path.endsWith("/sessionToken/key") && (op as { value?: unknown }).value === "ACCESS_SESSION_TOKEN"));
    assert.ok(!v.patch.some((op) => op.path.endsWith("/endpointURL")));
  });

  test("a fully specified Cluster needs no patch but the data defaults", async () => {
    const c = withField(validCluster(), "spec.bootstrap", { initdb: { database: "app", owner: "app" } });
    const v = await admitted(withField(c, "spec.backup.barmanObjectStore.data", { jobs: 4, immediateCheckpoint: true }));
    assert.deepEqual(v.patch, []);
  });

  test("--default-image is the imageName default", async () => {
    const c = withField(validCluster(), "spec.imageName", "");
    const out = await check("Cluster", c, { state, defaultImage: "registry.local/pg:14.1" });
    assert.ok(out.patch.some((op) => op.path === "/spec/imageName" && (op as { value?: unknown }).value === "registry.local/pg:14.1"));
  });
});

describe("Cluster schema", () => {
  test("instances must be at least 1, and is required", async () => {
    await denied(withField(validCluster(), "spec.instances", 0), "spec.instances", "Invalid value: 0: must be greater than or equal to 1");
    await denied(withField(validCluster(), "spec.instances", undefined), "spec.instances", "Required value");
    await admitted(withField(validCluster(), "spec.instances", 1));
  });

  test("primaryUpdateStrategy is an enum", async () => {
    await denied(
      withField(validCluster(), "spec.primaryUpdateStrategy", "manual"),
      "spec.primaryUpdateStrategy",
      'supported values: "unsupervised", "supervised"',
    );
    await admitted(withField(validCluster(), "spec.primaryUpdateStrategy", "supervised"));
  });

  test("every error of a request is reported at once", async () => {
    let c = withField(validCluster(), "spec.instances", 0);
    c = withField(c, "spec.backup.barmanObjectStore.wal.encryption", "SHA256");
    c = withField(c, "spec.storage.size", "lots");
    c = withField(c, "spec.postgresql.parameters", { port: "5433" });
    const v = await check("Cluster", c, { state });
    assert.deepEqual(v.fields.toSorted(), [
      "spec.backup.barmanObjectStore.wal.encryption",
      "spec.instances",
      "spec.postgresql.parameters[port]",
      "spec.storage.size",
    ]);
  });
});

describe("Cluster storage", () => {
  test("size must be a quantity greater than zero", async () => {
    await denied(withField(validCluster(), "spec.storage.size", "10 GB"), "spec.storage.size", "must be a Kubernetes quantity");
    await denied(withField(validCluster(), "spec.storage.size", "0Gi"), "spec.storage.size", "must be greater than zero");
    await denied(withField(validCluster(), "spec.storage.size", "-1Gi"), "spec.storage.size", "must be greater than zero");
    await denied(withField(validCluster(), "spec.storage", undefined), "spec.storage.size", "Required value");
    for (const size of ["1Gi", "500M", "1e3", "1.5Ti", "2048Mi"]) await admitted(withField(validCluster(), "spec.storage.size", size));
  });

  test("pvcTemplate's storage request replaces size", async () => {
    const c = withField(validCluster(), "spec.storage", { pvcTemplate: { resources: { requests: { storage: "5Gi" } }, accessModes: ["ReadWriteOnce"] } });
    await admitted(c);
    await denied(
      withField(c, "spec.storage.pvcTemplate.resources.requests.storage", "five"),
      "spec.storage.pvcTemplate.resources.requests.storage",
      "must be a Kubernetes quantity",
    );
  });

  test("UPDATE: storage may grow but not shrink", async () => {
    const old = withField(validCluster(), "spec.storage.size", "10Gi");
    await denied(withField(old, "spec.storage.size", "5Gi"), "spec.storage.size", "may not shrink (from 10Gi to 5Gi)", { operation: "UPDATE", old });
    await denied(withField(old, "spec.storage.size", "10G"), "spec.storage.size", "may not shrink", { operation: "UPDATE", old });
    await admitted(withField(old, "spec.storage.size", "20Gi"), { operation: "UPDATE", old });
    await admitted(withField(old, "spec.storage.size", "10240Mi"), { operation: "UPDATE", old });
  });
});

describe("Cluster bootstrap", () => {
  test("at most one of initdb and fullRecovery", async () => {
    const both = withField(validCluster(), "spec.bootstrap", { initdb: {}, fullRecovery: { backup: { name: "b" } } });
    await denied(both, "spec.bootstrap", "only one bootstrap method");
    await admitted(withField(validCluster(), "spec.bootstrap", { initdb: { database: "orders" } }));
  });

  test("UPDATE: a bootstrap change only warns that it has no effect", async () => {
    const old = withField(validCluster(), "spec.bootstrap", { initdb: { database: "app" } });
    const v = await admitted(withField(old, "spec.bootstrap.initdb.database", "orders"), { operation: "UPDATE", old });
    assert.deepEqual(v.warnings, ["spec.bootstrap: changes have no effect after the cluster has been created"]);
    const same = await admitted(old, { operation: "UPDATE", old });
    assert.deepEqual(same.warnings, []);
  });
});

describe("Cluster imageName", () => {
  const image = (name: string) => withField(validCluster(), "spec.imageName", name);
  test("a tag is required, not latest, starting with a PostgreSQL major version", async () => {
    await denied(image("quay.io/enterprisedb/postgresql"), "spec.imageName", "a tag is required");
    await denied(image(`quay.io/enterprisedb/postgresql@sha256:${"a".repeat(64)}`), "spec.imageName", "a tag is required");
    await denied(image("quay.io/enterprisedb/postgresql:latest"), "spec.imageName", "'latest'");
    await denied(image("quay.io/enterprisedb/postgresql:bullseye"), "spec.imageName", "must start with a PostgreSQL major version");
    await denied(image("quay.io/enterprisedb/postgresql:2021-01-01"), "spec.imageName", "must start with a PostgreSQL major version");
    for (const ok of [
      "quay.io/enterprisedb/postgresql:13",
      "registry:5000/pg/postgresql:13.2-1",
      "postgres:9.6.20",
      `postgres:12-alpine@sha256:${"b".repeat(64)}`,
    ]) {
      await admitted(image(ok));
    }
  });

  test("UPDATE: the major version may not change; minor updates are fine", async () => {
    const old = image("quay.io/enterprisedb/postgresql:12.5");
    await denied(image("quay.io/enterprisedb/postgresql:13.1"), "spec.imageName", "changing the PostgreSQL major version (12 to 13)", {
      operation: "UPDATE",
      old,
    });
    await admitted(image("quay.io/enterprisedb/postgresql:12.6"), { operation: "UPDATE", old });
  });
});

describe("Cluster postgresql.parameters", () => {
  test("operator-managed parameters are forbidden, whatever their case", async () => {
    for (const p of [
      "archive_command",
      "wal_level",
      "Port",
      "ssl_cert_file",
      "recovery_target_time",
      "unix_socket_directories",
      "data_directory",
      "log_directory",
      "logging_collector",
      "synchronous_standby_names",
    ]) {
      await denied(withField(validCluster(), "spec.postgresql.parameters", { [p]: "x" }), `spec.postgresql.parameters[${p}]`, "managed by the operator");
    }
  });
  test("ordinary parameters are fine", async () => {
    await admitted(
      withField(validCluster(), "spec.postgresql.parameters", { shared_buffers: "256MB", max_connections: "200", log_min_duration_statement: "1s" }),
    );
  });
});
