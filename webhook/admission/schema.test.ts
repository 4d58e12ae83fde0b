// The schema verdicts: the seed documents' examples against the compiled validators, and the field
// errors that wrong objects get.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { validateBackup, validateCluster, validateScheduledBackup, type CompiledValidator } from "../../generated/validators/index.js";
import { FIXTURES, SEED_DRAFT, SEED_LATER } from "../../tools/testkit/paths.js";
import { errorString, type FieldError } from "./field.js";
import { didYouMean, validateAgainstSchema } from "./schema.js";

type Obj = Record<string, any>;

const VALIDATORS: Record<string, CompiledValidator> = {
  Cluster: validateCluster,
  Backup: validateBackup,
  ScheduledBackup: validateScheduledBackup,
};

/** A YAML file holding exactly one document, parsed strictly. */
function readYaml(path: string): Obj {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  assert.ok(Array.isArray(docs) && docs.length === 1, `${path}: expected exactly one YAML document`);
  const [doc] = docs;
  assert.deepEqual(doc!.errors, [], `${path}: YAML errors`);
  return doc!.toJS() as Obj;
}

const fixtureFiles = (folder: string): string[] =>
  readdirSync(join(FIXTURES, folder))
    .filter((f) => f.endsWith(".yaml"))
    .sort();

/** The YAML blocks of a seed document that are objects of our API group (either group name). */
function seedBlocks(path: string, kind?: string): string[] {
  const text = readFileSync(path, "utf8");
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((b) => /^apiVersion: postgresql\.k8s\.(enterprisedb|2ndq)\.io\//m.test(b))
    .filter((b) => kind === undefined || new RegExp(`^kind: ${kind}$`, "m").test(b));
}

/**
 * Every line the seed block shows (not its `[...]` elisions) appears unchanged and in order in the
 * fixture; a `"<placeholder>"` value may be replaced by a real one.
 */
function assertKeepsSeedLines(block: string, fixture: string, name: string): void {
  const lines = fixture
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
  let at = 0;
  for (const seedLine of block.split("\n").map((l) => l.trimEnd())) {
    if (seedLine.trim() === "" || seedLine.trim() === "[...]") continue;
    const placeholder = /"<[^>]*>"/.test(seedLine);
    const escaped = seedLine.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = placeholder ? new RegExp(`^${escaped.replace(/"<[^>]*>"/, '"?[^"<>]+"?')}$`) : undefined;
    const found = lines.findIndex((l, i) => i >= at && (pattern ? pattern.test(l) : l === seedLine));
    assert.notEqual(found, -1, `${name}: the seed line ${JSON.stringify(seedLine)} is missing or out of order`);
    at = found + 1;
  }
}

/** The schema verdict on a copy of `obj` (validation fills defaults in place). */
function verdict(kind: string, obj: unknown): { errors: FieldError[]; refused: string[] } {
  const validator = VALIDATORS[kind];
  assert.ok(validator, `no validator for kind ${kind}`);
  return validateAgainstSchema(validator, structuredClone(obj));
}

const show = (errors: readonly FieldError[]): string => errors.map(errorString).join("\n") || "(no errors)";

describe("seed examples (later document, postgresql.k8s.enterprisedb.io/v1alpha1)", () => {
  const files = fixtureFiles("seeds");

  test("there is one fixture per example of the seed, in the seed's order", { skip: !existsSync(SEED_LATER) && "seed document not available" }, () => {
    const blocks = seedBlocks(SEED_LATER);
    assert.equal(blocks.length, 7, "the later seed has 7 examples of our kinds (4 Clusters, a Backup, a ScheduledBackup, the cluster-restore)");
    assert.equal(files.length, blocks.length, `fixtures: ${files.join(", ")}`);
    blocks.forEach((block, i) => {
      const file = files[i]!;
      assertKeepsSeedLines(block, readFileSync(join(FIXTURES, "seeds", file), "utf8"), file);
      const kind = /^kind: (\S+)$/m.exec(block)?.[1];
      assert.equal(readYaml(join(FIXTURES, "seeds", file)).kind, kind, `${file}: kind`);
    });
  });

  for (const file of files) {
    test(`${file} validates against its schema`, () => {
      const obj = readYaml(join(FIXTURES, "seeds", file));
      assert.equal(obj.apiVersion, "postgresql.k8s.enterprisedb.io/v1alpha1");
      const validator = VALIDATORS[obj.kind as string];
      assert.ok(validator, `unknown kind ${String(obj.kind)}`);
      const ok = validator(obj);
      assert.ok(ok, `${file}:\n${JSON.stringify(validator.errors, null, 2)}`);
      // The same through the admission layer: no field errors at all.
      assert.deepEqual(verdict(obj.kind as string, readYaml(join(FIXTURES, "seeds", file))), { errors: [], refused: [], omitted: 0 });
    });
  }

  test("every kind is covered by at least one seed example", () => {
    const kinds = new Set(files.map((f) => readYaml(join(FIXTURES, "seeds", f)).kind as string));
    assert.deepEqual([...kinds].sort(), ["Backup", "Cluster", "ScheduledBackup"]);
  });
});

describe("schema defaults are applied by the validator", () => {
  test("data defaults to {immediateCheckpoint: false, jobs: 2} when omitted", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "01-cluster-s3.yaml"));
    assert.ok(validateCluster(obj), JSON.stringify(validateCluster.errors));
    assert.deepEqual(obj.spec.backup.barmanObjectStore.data, { immediateCheckpoint: false, jobs: 2 });
  });

  test("data's own defaults fill what a partial data leaves out, and explicit values stay", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "01-cluster-s3.yaml"));
    obj.spec.backup.barmanObjectStore.data = { compression: "bzip2", jobs: 4 };
    assert.ok(validateCluster(obj));
    assert.deepEqual(obj.spec.backup.barmanObjectStore.data, { compression: "bzip2", jobs: 4, immediateCheckpoint: false });

    obj.spec.backup.barmanObjectStore.data = { immediateCheckpoint: true };
    assert.ok(validateCluster(obj));
    assert.deepEqual(obj.spec.backup.barmanObjectStore.data, { immediateCheckpoint: true, jobs: 2 });
  });

  test("credential keys default to ACCESS_KEY_ID / ACCESS_SECRET_KEY / ACCESS_SESSION_TOKEN", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "02-cluster-linode.yaml"));
    const creds = obj.spec.backup.barmanObjectStore.s3Credentials;
    creds.secretAccessKey = { name: "linode-creds" };
    creds.sessionToken = { name: "linode-creds" };
    assert.ok(validateCluster(obj));
    assert.deepEqual(creds, {
      accessKeyId: { name: "linode-creds", key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: "linode-creds", key: "ACCESS_SECRET_KEY" },
      sessionToken: { name: "linode-creds", key: "ACCESS_SESSION_TOKEN" },
    });
  });

  test("explicit credential keys are kept (MinIO example)", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "03-cluster-minio-gateway.yaml"));
    assert.ok(validateCluster(obj));
    assert.deepEqual(obj.spec.backup.barmanObjectStore.s3Credentials, {
      accessKeyId: { name: "minio-creds", key: "MINIO_ACCESS_KEY" },
      secretAccessKey: { name: "minio-creds", key: "MINIO_SECRET_KEY" },
    });
  });

  test("an absent secretAccessKey or sessionToken is not invented", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "02-cluster-linode.yaml"));
    assert.ok(validateCluster(obj));
    assert.deepEqual(obj.spec.backup.barmanObjectStore.s3Credentials, { accessKeyId: { name: "linode-creds", key: "ACCESS_KEY_ID" } });
  });

  test("Backup.status s3Credentials get the same key defaults", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "04-backup.yaml"));
    obj.status = { phase: "completed", s3Credentials: { accessKeyId: { name: "minio" }, secretAccessKey: { name: "minio" } } };
    assert.ok(validateBackup(obj));
    assert.deepEqual(obj.status.s3Credentials, {
      accessKeyId: { name: "minio", key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: "minio", key: "ACCESS_SECRET_KEY" },
    });
  });

  test("a Cluster without backup gets no backup section", () => {
    const obj = readYaml(join(FIXTURES, "seeds", "07-cluster-restore.yaml"));
    assert.ok(validateCluster(obj));
    assert.equal(obj.spec.backup, undefined);
  });
});

/** A valid object of each kind to break one field of. */
const clusterS3 = (): Obj => readYaml(join(FIXTURES, "seeds", "01-cluster-s3.yaml"));
const backup = (): Obj => readYaml(join(FIXTURES, "seeds", "04-backup.yaml"));
const scheduledBackup = (): Obj => readYaml(join(FIXTURES, "seeds", "05-scheduledbackup.yaml"));

interface Case {
  name: string;
  kind: keyof typeof VALIDATORS;
  make: () => Obj;
  /** The exact field errors, in the order the validator reports them. */
  errors: Pick<FieldError, "type" | "field" | "detail">[];
  /** The whole message of the first error, as the apiserver would print it. */
  message?: string;
}

const store = (o: Obj): Obj => o.spec.backup.barmanObjectStore as Obj;

const CASES: Case[] = [
  {
    name: 'wrong type: instances: "three"',
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      o.spec.instances = "three";
      return o;
    },
    errors: [{ type: "Invalid", field: "spec.instances", detail: "must be of type integer, not string" }],
    message: 'spec.instances: Invalid value: "three": must be of type integer, not string',
  },
  {
    name: "instances: 0 is below the minimum",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      o.spec.instances = 0;
      return o;
    },
    errors: [{ type: "Invalid", field: "spec.instances", detail: "must be greater than or equal to 1" }],
  },
  {
    name: "unknown enum value: wal.compression: zip",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).wal = { compression: "zip" };
      return o;
    },
    errors: [{ type: "NotSupported", field: "spec.backup.barmanObjectStore.wal.compression", detail: 'supported values: "", "gzip", "bzip2"' }],
    message: 'spec.backup.barmanObjectStore.wal.compression: Unsupported value: "zip": supported values: "", "gzip", "bzip2"',
  },
  {
    name: "unknown enum value: data.compression: zip",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).data = { compression: "zip" };
      return o;
    },
    errors: [{ type: "NotSupported", field: "spec.backup.barmanObjectStore.data.compression", detail: 'supported values: "", "gzip", "bzip2"' }],
  },
  {
    name: "unknown enum value with a hint: wal.encryption: SHA256",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).wal = { compression: "gzip", encryption: "SHA256" };
      return o;
    },
    errors: [
      {
        type: "NotSupported",
        field: "spec.backup.barmanObjectStore.wal.encryption",
        detail: 'supported values: "", "AES256", "aws:kms"; SHA256 is a hash, not an encryption; did you mean AES256?',
      },
    ],
    message:
      'spec.backup.barmanObjectStore.wal.encryption: Unsupported value: "SHA256": supported values: "", "AES256", "aws:kms"; SHA256 is a hash, not an encryption; did you mean AES256?',
  },
  {
    name: "unknown enum value with a hint: data.encryption: SHA256",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).data = { encryption: "SHA256" };
      return o;
    },
    errors: [
      {
        type: "NotSupported",
        field: "spec.backup.barmanObjectStore.data.encryption",
        detail: 'supported values: "", "AES256", "aws:kms"; SHA256 is a hash, not an encryption; did you mean AES256?',
      },
    ],
  },
  {
    name: "missing required: spec.instances",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      delete o.spec.instances;
      return o;
    },
    errors: [{ type: "Required", field: "spec.instances", detail: "" }],
    message: "spec.instances: Required value",
  },
  {
    name: "missing required: destinationPath",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      delete store(o).destinationPath;
      return o;
    },
    errors: [{ type: "Required", field: "spec.backup.barmanObjectStore.destinationPath", detail: "" }],
    message: "spec.backup.barmanObjectStore.destinationPath: Required value",
  },
  {
    name: "empty destinationPath",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).destinationPath = "";
      return o;
    },
    errors: [{ type: "Required", field: "spec.backup.barmanObjectStore.destinationPath", detail: "must not be empty" }],
  },
  {
    name: "missing required: s3Credentials",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      delete store(o).s3Credentials;
      return o;
    },
    errors: [{ type: "Required", field: "spec.backup.barmanObjectStore.s3Credentials", detail: "" }],
  },
  {
    name: "missing required: s3Credentials.accessKeyId.name",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).s3Credentials.accessKeyId = { key: "ACCESS_KEY_ID" };
      return o;
    },
    errors: [{ type: "Required", field: "spec.backup.barmanObjectStore.s3Credentials.accessKeyId.name", detail: "" }],
  },
  {
    // Release 0.5 never passes jobs and its CRD has no minimum (docs/operator-0.5.md): the schema admits 0,
    // the release-facts rule warns.
    name: "data.jobs: 0 is not a schema error",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).data = { jobs: 0 };
      return o;
    },
    errors: [],
  },
  {
    name: "unknown field endpointUrl, with did-you-mean endpointURL",
    kind: "Cluster",
    make: () => {
      const o = clusterS3();
      store(o).endpointUrl = "bucket.us-east1.linodeobjects.com";
      return o;
    },
    errors: [
      {
        type: "Forbidden",
        field: "spec.backup.barmanObjectStore.endpointUrl",
        detail: 'unknown field "endpointUrl"; the apiserver would drop it; did you mean "endpointURL"?',
      },
    ],
    message: 'spec.backup.barmanObjectStore.endpointUrl: Forbidden: unknown field "endpointUrl"; the apiserver would drop it; did you mean "endpointURL"?',
  },
  {
    name: "Backup: missing required spec.cluster",
    kind: "Backup",
    make: () => {
      const o = backup();
      delete o.spec.cluster;
      return o;
    },
    errors: [{ type: "Required", field: "spec.cluster", detail: "" }],
    message: "spec.cluster: Required value",
  },
  {
    name: "Backup: missing required spec",
    kind: "Backup",
    make: () => {
      const o = backup();
      delete o.spec;
      return o;
    },
    errors: [{ type: "Required", field: "spec", detail: "" }],
  },
  {
    // A status is never stricter than what the operator writes; later releases add phases.
    name: "Backup: any status.phase string is accepted",
    kind: "Backup",
    make: () => ({ ...backup(), status: { phase: "walArchivingFailing" } }),
    errors: [],
  },
  {
    name: "ScheduledBackup: missing required spec.schedule",
    kind: "ScheduledBackup",
    make: () => {
      const o = scheduledBackup();
      delete o.spec.schedule;
      return o;
    },
    errors: [{ type: "Required", field: "spec.schedule", detail: "" }],
    message: "spec.schedule: Required value",
  },
  {
    name: "ScheduledBackup: missing required spec.cluster",
    kind: "ScheduledBackup",
    make: () => {
      const o = scheduledBackup();
      delete o.spec.cluster;
      return o;
    },
    errors: [{ type: "Required", field: "spec.cluster", detail: "" }],
  },
  {
    name: "ScheduledBackup: suspend must be a boolean",
    kind: "ScheduledBackup",
    make: () => {
      const o = scheduledBackup();
      o.spec.suspend = "yes";
      return o;
    },
    errors: [{ type: "Invalid", field: "spec.suspend", detail: "must be of type boolean, not string" }],
  },
];

describe("wrong objects are rejected with the exact field path", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const { errors, refused } = verdict(c.kind, c.make());
      assert.deepEqual(
        errors.map(({ type, field, detail }) => ({ type, field, detail })),
        c.errors,
        show(errors),
      );
      if (c.message) assert.equal(errorString(errors[0]!), c.message);
      // A refused value is reported by its JSON Pointer; a missing one (Required without detail) is
      // not a refused value, an empty one (Required: must not be empty) is.
      const pointers = c.errors.filter((e) => e.type !== "Required" || e.detail !== "").map((e) => `/${e.field.replace(/\./g, "/")}`);
      assert.deepEqual(refused, pointers);
    });
  }

  test("all problems of one object are reported at once", () => {
    const o = clusterS3();
    o.spec.instances = "three";
    store(o).wal = { compression: "zip", encryption: "SHA256" };
    store(o).data = { jobs: "two" };
    store(o).endpointUrl = "x";
    delete store(o).destinationPath;
    const { errors } = verdict("Cluster", o);
    assert.deepEqual(errors.map((e) => e.field).sort(), [
      "spec.backup.barmanObjectStore.data.jobs",
      "spec.backup.barmanObjectStore.destinationPath",
      "spec.backup.barmanObjectStore.endpointUrl",
      "spec.backup.barmanObjectStore.wal.compression",
      "spec.backup.barmanObjectStore.wal.encryption",
      "spec.instances",
    ]);
  });
});

describe("the early draft's examples (seed 001) are rejected", () => {
  const files = fixtureFiles("draft");

  test("the draft fixtures keep the draft's lines", { skip: !existsSync(SEED_DRAFT) && "seed document not available" }, () => {
    const blocks = seedBlocks(SEED_DRAFT, "Cluster");
    assert.equal(blocks.length, 2);
    assert.equal(files.length, 2, `fixtures: ${files.join(", ")}`);
    blocks.forEach((block, i) => assertKeepsSeedLines(block, readFileSync(join(FIXTURES, "draft", files[i]!), "utf8"), files[i]!));
  });

  test("flat spec.backup.destinationPath / s3Credentials are named as unknown fields", () => {
    const { errors } = verdict("Cluster", readYaml(join(FIXTURES, "draft", "01-cluster-s3.yaml")));
    assert.deepEqual(
      errors.map((e) => [e.type, e.field]),
      [
        ["Forbidden", "spec.backup.destinationPath"],
        ["Forbidden", "spec.backup.s3Credentials"],
      ],
      show(errors),
    );
  });

  test("flat spec.backup.wal is named; moved under barmanObjectStore, SHA256 is refused with the hint", () => {
    const draft = readYaml(join(FIXTURES, "draft", "02-cluster-wal.yaml"));
    const { errors } = verdict("Cluster", draft);
    assert.deepEqual(
      errors.map((e) => [e.type, e.field]),
      [
        ["Forbidden", "spec.backup.destinationPath"],
        ["Forbidden", "spec.backup.s3Credentials"],
        ["Forbidden", "spec.backup.wal"],
      ],
      show(errors),
    );

    // The later document's layout, with the draft's values: only the encryption is left wrong.
    const moved = {
      ...draft,
      apiVersion: "postgresql.k8s.enterprisedb.io/v1alpha1",
      spec: { ...draft.spec, backup: { barmanObjectStore: draft.spec.backup } },
    };
    const after = verdict("Cluster", moved).errors;
    assert.deepEqual(after.map(errorString), [
      'spec.backup.barmanObjectStore.wal.encryption: Unsupported value: "SHA256": supported values: "", "AES256", "aws:kms"; SHA256 is a hash, not an encryption; did you mean AES256?',
    ]);
  });
});

test("unknown fields get a did-you-mean from the known ones", () => {
  const known = ["destinationPath", "endpointURL", "serverName", "s3Credentials", "wal", "data"];
  assert.equal(didYouMean("endpointUrl", known), "endpointURL");
  assert.equal(didYouMean("destinationpath", known), "destinationPath");
  assert.equal(didYouMean("serverNmae", known), "serverName");
  assert.equal(didYouMean("retentionPolicy", known), undefined);
});
