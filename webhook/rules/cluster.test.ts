import assert from "node:assert/strict";
import { describe, test } from "node:test";
import jsonpatch from "fast-json-patch";
import { check, CREDS_KEYS, CREDS_SECRET, judge, validCluster, withField, type CheckOptions } from "../../tools/testkit/admission.js";
import { DEFAULT_POSTGRES_IMAGE } from "../deployment.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const admitted = async (object: unknown, opts: Parameters<typeof check>[2] = {}) => {
  const v = await check("Cluster", object, { state, ...opts });
  assert.deepEqual(v.errors, [], "expected no errors");
  assert.equal(v.allowed, true);
  return v;
};
/** Exactly these errors, each [rule, type, field], and no warnings. */
const denied = async (object: unknown, errors: [string, string, string][], opts: CheckOptions = {}) =>
  assert.deepEqual(await judge("Cluster", object, { state, ...opts }), { denied: errors, warned: [] });
/** Admitted with exactly these warnings, each [rule, field]. */
const warned = async (object: unknown, warnings: [string, string][], opts: CheckOptions = {}) =>
  assert.deepEqual(await judge("Cluster", object, { state, ...opts }), { denied: [], warned: warnings });

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
    await denied(withField(validCluster(), "spec.instances", 0), [["cluster/schema", "Invalid", "spec.instances"]]);
    await denied(withField(validCluster(), "spec.instances", undefined), [["cluster/schema", "Required", "spec.instances"]]);
    await admitted(withField(validCluster(), "spec.instances", 1));
  });

  test("primaryUpdateStrategy has no enum: release 0.5 reads anything but supervised as unsupervised (cluster_types.go:542-549)", async () => {
    await warned(withField(validCluster(), "spec.primaryUpdateStrategy", "manual"), [["cluster/primary-update-strategy", "spec.primaryUpdateStrategy"]]);
    for (const s of ["supervised", "unsupervised", ""]) await admitted(withField(validCluster(), "spec.primaryUpdateStrategy", s));
  });

  test("every error of a request is reported at once", async () => {
    let c = withField(validCluster(), "spec.instances", 0);
    c = withField(c, "spec.backup.barmanObjectStore.wal.encryption", "SHA256");
    c = withField(c, "spec.storage.size", "lots");
    await denied(c, [
      ["cluster/schema", "Invalid", "spec.instances"],
      ["cluster/schema", "NotSupported", "spec.backup.barmanObjectStore.wal.encryption"],
      ["cluster/storage-size", "Invalid", "spec.storage.size"],
    ]);
  });

  test("status is never stricter than the operator's: any phase, unknown fields, nothing required", async () => {
    const c = withField(validCluster(), "status", { phase: "Setting up primary", instances: 1, someLaterField: { a: 1 } });
    await admitted(c);
  });
});

describe("cluster/name", () => {
  test("a DNS-1035 label of at most 59 characters: the operator's Services are <name>-rw, -r and -any", async () => {
    await denied(validCluster("1pg"), [["cluster/name", "Invalid", "metadata.name"]]);
    await denied(validCluster("pg.main"), [["cluster/name", "Invalid", "metadata.name"]]);
    await denied(validCluster("a".repeat(60)), [["cluster/name", "Invalid", "metadata.name"]]);
    await admitted(validCluster("a".repeat(59)));
    await admitted(validCluster("pg-main-2"));
  });
  test("UPDATE does not judge the name (it cannot change)", async () => {
    const old = validCluster("pg.main");
    await admitted(withField(old, "spec.instances", 4), { operation: "UPDATE", old });
  });
});

describe("cluster/storage-size", () => {
  test("a quantity greater than zero", async () => {
    await denied(withField(validCluster(), "spec.storage.size", "10 GB"), [["cluster/storage-size", "Invalid", "spec.storage.size"]]);
    await denied(withField(validCluster(), "spec.storage.size", "0Gi"), [["cluster/storage-size", "Invalid", "spec.storage.size"]]);
    await denied(withField(validCluster(), "spec.storage.size", "-1Gi"), [["cluster/storage-size", "Invalid", "spec.storage.size"]]);
    await denied(withField(validCluster(), "spec.storage", undefined), [["cluster/storage-size", "Required", "spec.storage.size"]]);
    for (const size of ["1Gi", "500M", "1e3", "1.5Ti", "2048Mi"]) await admitted(withField(validCluster(), "spec.storage.size", size));
  });

  test("the operator's code wins over the first wording of the rule: size is required even with a pvcTemplate, whose request it replaces", async () => {
    // cnp v0.5.0 api/v1alpha1/cluster_webhook.go:234-247 refuses an empty size; pkg/specs/pvcs.go:46-65
    // overwrites the template's resources with storage.size.
    const templated = withField(validCluster(), "spec.storage", {
      pvcTemplate: { resources: { requests: { storage: "5Gi" } }, accessModes: ["ReadWriteOnce"] },
    });
    // Required inside storage by the schema, as release 0.5.0's CRD requires it.
    await denied(templated, [["cluster/schema", "Required", "spec.storage.size"]]);
    await warned(withField(templated, "spec.storage.size", "1Gi"), [["cluster/storage-size", "spec.storage.pvcTemplate.resources.requests.storage"]]);
    await admitted(withField(templated, "spec.storage.size", "5Gi"));
  });
});

describe("cluster/storage-class", () => {
  test('"" is a value: dynamic provisioning off (cnp v0.5.0 pkg/specs/pvcs.go:50-53 copies it into each claim): warned', async () => {
    await warned(withField(validCluster(), "spec.storage.storageClass", ""), [["cluster/storage-class", "spec.storage.storageClass"]]);
    await admitted(withField(validCluster(), "spec.storage.storageClass", "gp3"));
  });
});

describe("cluster/image-pull-secrets", () => {
  test("an entry without a name is accepted by the apiserver and skipped: warned, not denied (controllers/cluster_create.go:269-271)", async () => {
    await warned(withField(validCluster(), "spec.imagePullSecrets", [{ name: "regcred" }, { name: "" }, {}]), [
      ["cluster/image-pull-secrets", "spec.imagePullSecrets[1].name"],
      ["cluster/image-pull-secrets", "spec.imagePullSecrets[2].name"],
    ]);
    await admitted(withField(validCluster(), "spec.imagePullSecrets", [{ name: "regcred" }]));
  });
});

describe("cluster/storage-shrink", () => {
  test("UPDATE: storage may grow but not shrink", async () => {
    const old = withField(validCluster(), "spec.storage.size", "10Gi");
    const opts = { operation: "UPDATE", old } as const;
    await denied(withField(old, "spec.storage.size", "5Gi"), [["cluster/storage-shrink", "Forbidden", "spec.storage.size"]], opts);
    await denied(withField(old, "spec.storage.size", "10G"), [["cluster/storage-shrink", "Forbidden", "spec.storage.size"]], opts);
    await admitted(withField(old, "spec.storage.size", "20Gi"), opts);
    await admitted(withField(old, "spec.storage.size", "10240Mi"), opts);
  });
});

describe("cluster/bootstrap-method and cluster/bootstrap-update", () => {
  test("at most one of initdb and fullRecovery", async () => {
    const both = withField(validCluster(), "spec.bootstrap", { initdb: {}, fullRecovery: { backup: { name: "b" } } });
    const v = await judge("Cluster", both, { state: { ...state, backups: [] } });
    assert.deepEqual(
      v.denied.filter(([rule]) => rule.startsWith("cluster/")),
      [["cluster/bootstrap-method", "Forbidden", "spec.bootstrap"]],
    );
    await admitted(withField(validCluster(), "spec.bootstrap", { initdb: { database: "orders" } }));
  });

  test("UPDATE: a bootstrap change only warns that it has no effect", async () => {
    const old = withField(validCluster(), "spec.bootstrap", { initdb: { database: "app" } });
    await warned(withField(old, "spec.bootstrap.initdb.database", "orders"), [["cluster/bootstrap-update", "spec.bootstrap"]], { operation: "UPDATE", old });
    await admitted(old, { operation: "UPDATE", old });
  });
});

describe("cluster/image-tag: the tag as release 0.5 reads it", () => {
  const image = (name: string) => withField(validCluster(), "spec.imageName", name);
  const refused = [["cluster/image-tag", "Invalid", "spec.imageName"]] as [string, string, string][];
  test("latest, no tag, and tags that are no PostgreSQL version are denied", async () => {
    for (const bad of [
      "quay.io/enterprisedb/postgresql",
      "quay.io/enterprisedb/postgresql:latest",
      "quay.io/enterprisedb/postgresql:bullseye",
      "quay.io/enterprisedb/postgresql:v13",
      "quay.io/enterprisedb/postgresql:13beta1",
      "quay.io/enterprisedb/postgresql:9",
      "quay.io/enterprisedb/postgresql:9-alpine",
      "quay.io/enterprisedb/postgresql:13.x",
    ]) {
      await denied(image(bad), refused);
    }
  });
  test("registries with a port and digests are denied: the operator reads the text after the first ':' (false admissions before)", async () => {
    await denied(image("registry:5000/pg/postgresql:13.2-1"), refused);
    await denied(image(`quay.io/enterprisedb/postgresql@sha256:${"a".repeat(64)}`), refused);
  });
  test("what the operator parses is admitted", async () => {
    for (const ok of [
      "quay.io/enterprisedb/postgresql:13",
      "quay.io/enterprisedb/postgresql:13.1",
      "quay.io/enterprisedb/postgresql:13.1-1",
      "postgres:13-alpine",
      "postgres:12_x",
      `postgres:12-alpine@sha256:${"b".repeat(64)}`,
      // The operator cuts at the first '-' and reads 2021 as the major: not a false denial to make.
      "postgres:2021-01-01",
    ]) {
      await admitted(image(ok));
    }
  });
});

describe("cluster/image-major", () => {
  const image = (name: string) => withField(validCluster(), "spec.imageName", name);
  test("UPDATE: the major version may not change; minor updates are fine", async () => {
    const old = image("quay.io/enterprisedb/postgresql:12.5");
    const opts = { operation: "UPDATE", old } as const;
    await denied(image("quay.io/enterprisedb/postgresql:13.1"), [["cluster/image-major", "Forbidden", "spec.imageName"]], opts);
    await admitted(image("quay.io/enterprisedb/postgresql:12.6"), opts);
    const nine = image("postgres:9.6.20");
    // 9.6 and 9.5 parse (a minor is required below 10), and postgresql/major refuses both.
    await denied(
      image("postgres:9.5.20"),
      [
        ["cluster/image-major", "Forbidden", "spec.imageName"],
        ["postgresql/major", "Invalid", "spec.imageName"],
      ],
      { operation: "UPDATE", old: nine },
    );
  });
  test("UPDATE from an image whose tag cannot be read is left to the operator's own webhook", async () => {
    const old = image("quay.io/enterprisedb/postgresql:latest");
    await admitted(image("quay.io/enterprisedb/postgresql:13.1"), { operation: "UPDATE", old });
  });
});
