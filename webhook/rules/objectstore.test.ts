import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, CREDS_KEYS, CREDS_SECRET, judge, stateResolver, validCluster, withField, type CheckOptions } from "../../tools/testkit/admission.js";
import { DEFAULT_RULE_SETTINGS } from "../admission/settings.js";

const STORE = "spec.backup.barmanObjectStore";
const CREDS = `${STORE}.s3Credentials`;
const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const store = (field: string, value: unknown, base = validCluster()) => withField(base, `${STORE}.${field}`, value);
const verdict = (object: unknown, opts: CheckOptions = {}) => judge("Cluster", object, { state, ...opts });
const clean = { denied: [], warned: [] };
const deniedBy = (rule: string, type: string, field: string) => ({ denied: [[rule, type, field]], warned: [] });
const warnedBy = (rule: string, field: string) => ({ denied: [], warned: [[rule, field]] });
/** A release for which none of the release facts hold: what the rules do once the operator changed. */
const laterRelease = { release: { version: "9.9", facts: new Set<never>() } };

describe("objectstore/destination-path: as barman-cloud 2.12 reads it", () => {
  test("s3 URLs are admitted, the scheme in any case (barman lower-cases it; a false denial before)", async () => {
    for (const p of ["s3://backups", "s3://backups/", "s3://my.bucket-01/path/to/folder", "S3://backups/pg", "s3://backups//pg", "s3://backups/pg//x"]) {
      assert.deepEqual(await verdict(store("destinationPath", p)), clean, p);
    }
  });
  test("not s3, no bucket, a query or a fragment: denied once, on the field", async () => {
    for (const p of [
      "https://backups/pg",
      "backups/pg",
      "s3:///pg",
      "s3:backups/pg",
      "s3://backups/pg?versionId=1",
      "s3://backups/pg#x",
      "<destination path here>",
    ]) {
      assert.deepEqual(await verdict(store("destinationPath", p)), deniedBy("objectstore/destination-path", "Invalid", `${STORE}.destinationPath`), p);
    }
    assert.deepEqual(await verdict(store("destinationPath", "")), deniedBy("cluster/schema", "Required", `${STORE}.destinationPath`));
  });
});

describe("objectstore/bucket-name", () => {
  const field = `${STORE}.destinationPath`;
  test("S3 naming, including AWS's reserved prefixes and suffixes: denied on AWS", async () => {
    for (const p of [
      "s3://ab/x",
      `s3://${"a".repeat(64)}`,
      "s3://My_Bucket/x",
      "s3://-bucket/x",
      "s3://bucket./x",
      "s3://my..bucket/x",
      "s3://192.168.1.10/x",
      "s3://BUCKET_NAME/path/to/folder",
      "s3://xn--bucket/x",
      "s3://sthree-bucket/x",
      "s3://amzn-s3-demo-bucket/x",
      "s3://bucket-s3alias/x",
      "s3://bucket--ol-s3/x",
      "s3://bucket.mrap/x",
      "s3://bucket--x-s3/x",
      "s3://bucket--table-s3/x",
    ]) {
      assert.deepEqual(await verdict(store("destinationPath", p)), deniedBy("objectstore/bucket-name", "Invalid", field), p);
    }
  });
  test("an explicit AWS endpoint is AWS: still denied; a custom endpoint only warns", async () => {
    const aws = store("endpointURL", "https://s3.eu-west-1.amazonaws.com", store("destinationPath", "s3://My_Bucket/x"));
    assert.deepEqual(await verdict(aws), deniedBy("objectstore/bucket-name", "Invalid", field));
    const minio = store("endpointURL", "http://minio-gateway-service:9000", store("destinationPath", "s3://BUCKET_NAME/"));
    assert.deepEqual(await verdict(minio), warnedBy("objectstore/bucket-name", field));
  });
  test("what botocore itself refuses (a user@ or :port in the bucket part) is denied on any endpoint", async () => {
    const minio = (p: string) => store("endpointURL", "http://minio:9000", store("destinationPath", p));
    assert.deepEqual(await verdict(minio("s3://user@bucket/pg")), deniedBy("objectstore/bucket-name", "Invalid", field));
    assert.deepEqual(await verdict(minio("s3://bucket:9000/pg")), deniedBy("objectstore/bucket-name", "Invalid", field));
    assert.deepEqual(await verdict(minio("s3://Legacy_Bucket/pg")), warnedBy("objectstore/bucket-name", field));
  });
});

describe("objectstore/shell-unsafe: release 0.5 pastes the path into a shell restore_command", () => {
  test("quotes, shell syntax, whitespace and PostgreSQL's %-escapes are denied, naming the field (false admissions before)", async () => {
    for (const p of [
      "s3://backups/it's",
      's3://backups/"pg"',
      "s3://backups/`id`",
      "s3://backups/$HOME",
      "s3://backups/a\\b",
      "s3://backups/pg;reboot",
      "s3://backups/a&b",
      "s3://backups/a|b",
      "s3://backups/a<b",
      "s3://backups/a>b",
      "s3://backups/a(b)",
      "s3://backups/{a,b}",
      "s3://backups/my folder",
      "s3://backups/tab\there",
      "s3://backups/new\nline",
      "s3://backups/50%percent",
      "s3://backups/100%%",
    ]) {
      assert.deepEqual(await verdict(store("destinationPath", p)), deniedBy("objectstore/shell-unsafe", "Invalid", `${STORE}.destinationPath`), p);
    }
    const endpoint = store("endpointURL", "https://minio.example.com:9000/?a=1&b=2");
    assert.deepEqual(await verdict(endpoint), deniedBy("objectstore/shell-unsafe", "Invalid", `${STORE}.endpointURL`));
  });
  test("what a shell leaves alone is admitted", async () => {
    for (const p of ["s3://backups/pg-2021.01_x+y=z,w@v~q", "s3://backups/50%25", "s3://backups/a:b"]) {
      assert.deepEqual(await verdict(store("destinationPath", p)), clean, p);
    }
  });
});

describe("objectstore/endpoint: what botocore accepts", () => {
  const field = `${STORE}.endpointURL`;
  test("http(s) URLs with a host botocore accepts; empty is AWS; a bare host gets https://", async () => {
    for (const url of [
      "",
      "https://s3.eu-west-1.amazonaws.com",
      "http://minio:9000",
      "http://minio.storage.svc:9000",
      "http://minio.storage.svc.cluster.local",
      "bucket.us-east1.linodeobjects.com",
      "https://MINIO.example.com.",
      "http://10.0.0.5:9000",
      "https://user:pw@minio.example.com",
    ]) {
      assert.deepEqual(await verdict(store("endpointURL", url)), clean, url);
    }
  });
  test("'_' in the host, IPv6, other schemes and hostless URLs are denied (false admissions before)", async () => {
    for (const url of [
      "http://minio_1:9000",
      "https://my_bucket.example.com",
      "http://[::1]:9000",
      "https://[fd00::1]/",
      "ftp://minio:21",
      "https://",
      "http://a..b",
      "http://-a.example.com",
    ]) {
      assert.deepEqual(await verdict(store("endpointURL", url)), deniedBy("objectstore/endpoint", "Invalid", field), url);
    }
  });
});

describe("objectstore/endpoint-plaintext", () => {
  test("http:// to a host outside the cluster warns that credentials travel unencrypted", async () => {
    for (const url of ["http://minio.example.com:9000", "http://203.0.113.5:9000"]) {
      assert.deepEqual(await verdict(store("endpointURL", url)), warnedBy("objectstore/endpoint-plaintext", `${STORE}.endpointURL`), url);
    }
  });
  test("in-cluster hosts and private or loopback addresses do not", async () => {
    for (const url of [
      "http://minio",
      "http://minio.storage",
      "http://minio.storage.svc",
      "http://minio.storage.svc.cluster.local:9000",
      "http://10.1.2.3",
      "http://172.20.0.1",
      "http://192.168.1.10:9000",
      "http://127.0.0.1:9000",
      "http://100.64.0.10",
      "http://localhost:9000",
      "https://minio.example.com",
    ]) {
      assert.deepEqual(await verdict(store("endpointURL", url)), clean, url);
    }
  });
});

describe("objectstore/credentials", () => {
  test("selector names must be DNS-1123 subdomains and keys valid Secret keys: one error per mistake", async () => {
    assert.deepEqual(
      await verdict(store("s3Credentials.accessKeyId.name", "AWS_Creds")),
      deniedBy("objectstore/credentials", "Invalid", `${CREDS}.accessKeyId.name`),
    );
    assert.deepEqual(
      await verdict(store("s3Credentials.accessKeyId.name", `-${"a".repeat(260)}`)),
      deniedBy("objectstore/credentials", "Invalid", `${CREDS}.accessKeyId.name`),
    );
    for (const key of ["secret key", "..", "..data"]) {
      assert.deepEqual(
        await verdict(store("s3Credentials.secretAccessKey.key", key)),
        deniedBy("objectstore/credentials", "Invalid", `${CREDS}.secretAccessKey.key`),
        key,
      );
    }
  });
  test("both accessKeyId and secretAccessKey, once secretAccessKey cannot be inferred", async () => {
    assert.deepEqual(await verdict(store("s3Credentials.accessKeyId", undefined)), {
      denied: [
        ["cluster/schema", "Required", `${CREDS}.accessKeyId`],
        ["objectstore/credentials", "Required", `${CREDS}.accessKeyId`],
      ],
      warned: [],
    });
    const inferred = store("s3Credentials", { accessKeyId: { name: CREDS_SECRET } });
    assert.deepEqual(await verdict(inferred), clean);
  });
  test("optional: true is Kubernetes' own SecretKeySelector field (a false denial before)", async () => {
    assert.deepEqual(await verdict(store("s3Credentials.accessKeyId.optional", true)), clean);
    assert.deepEqual(await verdict(store("s3Credentials.secretAccessKey.optional", false)), clean);
  });
});

describe("objectstore/credential-secrets", () => {
  test("present with both keys: admitted; absent: warned once per Secret, denied under --strict-references", async () => {
    assert.deepEqual(await verdict(validCluster()), clean);
    assert.deepEqual(await verdict(validCluster(), { state: { secrets: {} } }), warnedBy("objectstore/credential-secrets", `${CREDS}.accessKeyId.name`));
    assert.deepEqual(
      await verdict(validCluster(), { state: { secrets: {} }, strict: true }),
      deniedBy("objectstore/credential-secrets", "NotFound", `${CREDS}.accessKeyId.name`),
    );
  });
  test("present but without the key: denied", async () => {
    assert.deepEqual(
      await verdict(validCluster(), { state: { secrets: { [CREDS_SECRET]: ["ACCESS_KEY_ID", "SECRET"] } } }),
      deniedBy("objectstore/credential-secrets", "NotFound", `${CREDS}.secretAccessKey.key`),
    );
  });
  test("optional: true makes a missing Secret or key a warning: the Pod starts and boto3 falls back (the code wins over a deny)", async () => {
    // cnp v0.5.0 pkg/specs/pods.go:471-503 copies the selector, optional included, into the Pod's secretKeyRef.
    const optional = store("s3Credentials.secretAccessKey.optional", true);
    assert.deepEqual(
      await verdict(optional, { state: { secrets: { [CREDS_SECRET]: ["ACCESS_KEY_ID"] } } }),
      warnedBy("objectstore/credential-secrets", `${CREDS}.secretAccessKey.key`),
    );
    const both = store("s3Credentials.accessKeyId.optional", true, optional);
    assert.deepEqual(await verdict(both, { state: { secrets: {} }, strict: true }), warnedBy("objectstore/credential-secrets", `${CREDS}.accessKeyId.name`));
  });
  test("unreachable cluster: one could-not-verify warning per Secret; strict denies", async () => {
    const split = store("s3Credentials.secretAccessKey.name", "other-creds");
    assert.deepEqual(await verdict(split, { state: { unreachable: true } }), {
      denied: [],
      warned: [
        ["objectstore/credential-secrets", `${CREDS}.accessKeyId.name`],
        ["objectstore/credential-secrets", `${CREDS}.secretAccessKey.name`],
        ["objectstore/wal-archive-shared", `${STORE}.destinationPath`],
      ],
    });
    assert.equal((await check("Cluster", split, { state: { unreachable: true }, strict: true })).allowed, false);
  });
  test("an invalid Secret name is denied once, not also looked up", async () => {
    assert.deepEqual(
      await verdict(store("s3Credentials.accessKeyId.name", "Bad_Name"), { strict: true }),
      deniedBy("objectstore/credentials", "Invalid", `${CREDS}.accessKeyId.name`),
    );
  });
  test("a lookup that hangs is cut at the lookup timeout", async () => {
    const hanging = { ...stateResolver({}), lookup: () => new Promise<never>(() => {}) };
    const out = await check("Cluster", store("s3Credentials", { accessKeyId: { name: "s3-creds" } }), { resolver: hanging, lookupTimeoutMs: 50 });
    assert.deepEqual(out.warnings, [`${CREDS}.accessKeyId.name: could not verify Secret "s3-creds": timed out`]);
  });
  test("a Secret in another namespace does not satisfy the reference", async () => {
    assert.deepEqual(await verdict(validCluster(), { namespace: "team-b" }), warnedBy("objectstore/credential-secrets", `${CREDS}.accessKeyId.name`));
  });
  test("UPDATE: Secrets are checked only when the object store changed", async () => {
    const old = validCluster();
    assert.deepEqual(await verdict(withField(old, "spec.instances", 5), { operation: "UPDATE", old, state: { secrets: {} } }), clean);
    const moved = store("s3Credentials.accessKeyId.name", "new-creds", old);
    const v = await verdict(moved, { operation: "UPDATE", old, state: { secrets: {} } });
    assert.deepEqual(v.denied, []);
    assert.ok(v.warned.some(([rule, field]) => rule === "objectstore/credential-secrets" && field === `${CREDS}.accessKeyId.name`));
  });
});

describe("objectstore/session-token: release 0.5 has none", () => {
  const withToken = store("s3Credentials.sessionToken", { name: "sts-token" });
  test("warned, and its Secret is neither required nor looked up", async () => {
    const resolver = stateResolver(state);
    assert.deepEqual(await verdict(withToken, { resolver }), warnedBy("objectstore/session-token", `${CREDS}.sessionToken`));
    assert.deepEqual(
      resolver.calls.filter((c) => c.kind === "Secret"),
      [{ kind: "Secret", name: CREDS_SECRET }],
    );
    assert.deepEqual(await verdict(validCluster()), clean);
  });
  test("for a release that has it, no warning and its Secret is checked", async () => {
    assert.deepEqual(await verdict(withToken, { settings: laterRelease }), warnedBy("objectstore/credential-secrets", `${CREDS}.sessionToken.name`));
  });
});

describe("objectstore/credentials-update", () => {
  test("UPDATE: new credentials without an image change warn that running Pods keep the old ones", async () => {
    const old = validCluster();
    const rotated = store("s3Credentials.accessKeyId.name", "new-creds", old);
    const state2 = { secrets: { [CREDS_SECRET]: CREDS_KEYS, "new-creds": CREDS_KEYS } };
    assert.deepEqual(await verdict(rotated, { operation: "UPDATE", old, state: state2 }), warnedBy("objectstore/credentials-update", CREDS));
    const withImage = withField(rotated, "spec.imageName", "quay.io/enterprisedb/postgresql:13.3");
    assert.deepEqual(await verdict(withImage, { operation: "UPDATE", old, state: state2 }), clean);
    assert.deepEqual(await verdict(withField(old, "spec.instances", 4), { operation: "UPDATE", old }), clean);
  });
});

describe("objectstore/data-options: release 0.5 passes neither jobs nor immediateCheckpoint", () => {
  test("non-default values are warned; jobs: 0 is not denied (0.5 never passes it: docs/operator-0.5.md)", async () => {
    assert.deepEqual(await verdict(store("data.jobs", 4)), warnedBy("objectstore/data-options", `${STORE}.data.jobs`));
    assert.deepEqual(await verdict(store("data.jobs", 0)), warnedBy("objectstore/data-options", `${STORE}.data.jobs`));
    assert.deepEqual(await verdict(store("data.immediateCheckpoint", true)), warnedBy("objectstore/data-options", `${STORE}.data.immediateCheckpoint`));
    assert.deepEqual(await verdict(store("data", { jobs: 2, immediateCheckpoint: false })), clean);
    assert.deepEqual(await verdict(store("data.jobs", 1.5)), deniedBy("cluster/schema", "Invalid", `${STORE}.data.jobs`));
  });
  test("for a release that passes them, no warning", async () => {
    assert.deepEqual(await verdict(store("data.jobs", 4), { settings: laterRelease }), clean);
    assert.equal(DEFAULT_RULE_SETTINGS.release.version, "0.5");
  });
});

describe("compression and encryption (schema)", () => {
  test('"" is the operator\'s own "none" (a false denial before); unknown values are denied', async () => {
    const none = store("data", { compression: "", encryption: "" }, store("wal", { compression: "", encryption: "" }));
    assert.deepEqual(await verdict(none), clean);
    assert.deepEqual(await verdict(store("wal.compression", "zip")), deniedBy("cluster/schema", "NotSupported", `${STORE}.wal.compression`));
    assert.deepEqual(await verdict(store("data.encryption", "SHA256")), deniedBy("cluster/schema", "NotSupported", `${STORE}.data.encryption`));
    const all = store("data", { compression: "bzip2", encryption: "aws:kms" }, store("wal", { compression: "gzip", encryption: "AES256" }));
    assert.deepEqual(await verdict(all), clean);
  });
});
