import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, CREDS_KEYS, CREDS_SECRET, stateResolver, validCluster, withField } from "../../tools/testkit/admission.js";

const STORE = "spec.backup.barmanObjectStore";
const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const store = (field: string, value: unknown) => withField(validCluster(), `${STORE}.${field}`, value);

async function verdict(object: unknown, opts: Parameters<typeof check>[2] = {}) {
  return check("Cluster", object, { state, ...opts });
}
function assertError(v: Awaited<ReturnType<typeof check>>, field: string, text: string) {
  assert.equal(v.allowed, false);
  const line = v.errors.find((e) => e.startsWith(`${field}: `));
  assert.ok(line?.includes(text), `expected ${field}: …${text}… in ${JSON.stringify(v.errors)}`);
}
function assertWarning(v: Awaited<ReturnType<typeof check>>, field: string, text: string) {
  const line = v.warnings.find((w) => w.startsWith(`${field}: `));
  assert.ok(line?.includes(text), `expected warning ${field}: …${text}… in ${JSON.stringify(v.warnings)}`);
  assert.ok(line!.length <= 120);
}

describe("barmanObjectStore.destinationPath", () => {
  test("valid S3 paths are admitted", async () => {
    for (const p of ["s3://backups", "s3://backups/", "s3://my.bucket-01/path/to/folder", "s3://abc/x"]) {
      const v = await verdict(store("destinationPath", p));
      assert.deepEqual(v.errors, [], p);
      assert.deepEqual(v.warnings, [], p);
    }
  });
  test("not an s3 URL, no bucket, whitespace, query and fragment are denied", async () => {
    assertError(await verdict(store("destinationPath", "https://backups/pg")), `${STORE}.destinationPath`, "must be an S3 URL");
    assertError(await verdict(store("destinationPath", "backups/pg")), `${STORE}.destinationPath`, "must be an S3 URL");
    assertError(await verdict(store("destinationPath", "s3:///pg")), `${STORE}.destinationPath`, "must name a bucket");
    assertError(await verdict(store("destinationPath", "s3://backups/my folder")), `${STORE}.destinationPath`, "whitespace");
    assertError(await verdict(store("destinationPath", "<destination path here>")), `${STORE}.destinationPath`, "placeholder");
    assertError(await verdict(store("destinationPath", "s3://backups/pg?versionId=1")), `${STORE}.destinationPath`, "query or fragment");
    assertError(await verdict(store("destinationPath", "s3://backups/pg#x")), `${STORE}.destinationPath`, "query or fragment");
    assertError(await verdict(store("destinationPath", "")), `${STORE}.destinationPath`, "Required value");
  });
  test("S3 bucket naming: denied on AWS", async () => {
    const cases: [string, string][] = [
      ["s3://ab/x", "3 to 63"],
      [`s3://${"a".repeat(64)}`, "3 to 63"],
      ["s3://My_Bucket/x", "lowercase letters"],
      ["s3://-bucket/x", "start and end with a letter or digit"],
      ["s3://bucket./x", "start and end with a letter or digit"],
      ["s3://my..bucket/x", "adjacent periods"],
      ["s3://192.168.1.10/x", "IP address"],
    ];
    for (const [path, text] of cases) assertError(await verdict(store("destinationPath", path)), `${STORE}.destinationPath`, text);
  });
  test("placeholders are called out; with a custom endpoint naming problems only warn", async () => {
    assertError(await verdict(store("destinationPath", "s3://BUCKET_NAME/path/to/folder")), `${STORE}.destinationPath`, "documentation placeholder");
    const minio = withField(store("destinationPath", "s3://BUCKET_NAME/"), `${STORE}.endpointURL`, "http://minio-gateway-service:9000");
    const v = await verdict(minio);
    assert.equal(v.allowed, true);
    assertWarning(v, `${STORE}.destinationPath`, '"BUCKET_NAME" is a documentation placeholder');
    const odd = await verdict(withField(store("destinationPath", "s3://Odd_Name/"), `${STORE}.endpointURL`, "https://minio.example.com"));
    assert.equal(odd.allowed, true);
    assertWarning(odd, `${STORE}.destinationPath`, "lowercase letters");
  });
});

describe("barmanObjectStore.endpointURL", () => {
  test("http(s) URLs with a host are admitted; a bare host gets https://", async () => {
    for (const url of [
      "https://s3.eu-west-1.amazonaws.com",
      "http://minio:9000",
      "http://minio.storage.svc:9000",
      "http://minio.storage.svc.cluster.local",
      "bucket.us-east1.linodeobjects.com",
    ]) {
      const v = await verdict(store("endpointURL", url));
      assert.deepEqual(v.errors, [], url);
      assert.deepEqual(v.warnings, [], url);
    }
  });
  test("other schemes and hostless URLs are denied", async () => {
    assertError(await verdict(store("endpointURL", "ftp://minio:21")), `${STORE}.endpointURL`, "must be an http or https URL");
    assertError(await verdict(store("endpointURL", "https://")), `${STORE}.endpointURL`, "must be an http or https URL");
    assertError(await verdict(store("endpointURL", "http://exa mple.com")), `${STORE}.endpointURL`, "must be an http or https URL");
  });
  test("plain http outside the cluster warns that credentials travel unencrypted", async () => {
    const v = await verdict(store("endpointURL", "http://minio.example.com:9000"));
    assert.equal(v.allowed, true);
    assertWarning(v, `${STORE}.endpointURL`, "credentials travel unencrypted");
  });
});

describe("barmanObjectStore.s3Credentials", () => {
  const creds = `${STORE}.s3Credentials`;
  test("selector names must be DNS-1123 subdomains and keys valid Secret keys", async () => {
    assertError(await verdict(store("s3Credentials.accessKeyId.name", "AWS_Creds")), `${creds}.accessKeyId.name`, "RFC 1123 subdomain");
    assertError(await verdict(store("s3Credentials.secretAccessKey.key", "secret key")), `${creds}.secretAccessKey.key`, "valid config key");
    assertError(await verdict(store("s3Credentials.secretAccessKey.key", "..")), `${creds}.secretAccessKey.key`, "must not be '..'");
    assertError(await verdict(store("s3Credentials.accessKeyId", undefined)), `${creds}.accessKeyId`, "Required value");
  });
  test("secretAccessKey is required once it cannot be inferred from accessKeyId", async () => {
    const v = await verdict(store("s3Credentials", { accessKeyId: { key: "ID" } }));
    assertError(v, `${creds}.secretAccessKey`, "both accessKeyId and secretAccessKey are needed");
  });
  test("compression, encryption and jobs", async () => {
    assertError(await verdict(store("wal.compression", "zip")), `${STORE}.wal.compression`, 'Unsupported value: "zip": supported values: "gzip", "bzip2"');
    assertError(await verdict(store("data.encryption", "SHA256")), `${STORE}.data.encryption`, "SHA256 is a hash, not an encryption; did you mean AES256?");
    assertError(await verdict(store("data.jobs", 0)), `${STORE}.data.jobs`, "must be greater than or equal to 1");
    assertError(await verdict(store("data.jobs", 1.5)), `${STORE}.data.jobs`, "must be of type integer");
    const ok = await verdict(
      withField(store("data", { compression: "bzip2", encryption: "aws:kms", jobs: 8 }), `${STORE}.wal`, { compression: "bzip2", encryption: "aws:kms" }),
    );
    assert.deepEqual(ok.errors, []);
  });
});

describe("referenced Secrets", () => {
  const creds = `${STORE}.s3Credentials`;
  test("present with both keys: admitted without warnings", async () => {
    const v = await verdict(validCluster());
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, []);
  });
  test("absent: warned once per Secret, denied under --strict-references", async () => {
    const v = await verdict(validCluster(), { state: { secrets: {} } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, [`${creds}.accessKeyId.name: Secret "aws-creds" not found in namespace "default"`]);
    const strict = await verdict(validCluster(), { state: { secrets: {} }, strict: true });
    assertError(strict, `${creds}.accessKeyId.name`, 'Not found: "aws-creds"');
  });
  test("present but without the key: denied, naming the keys it has", async () => {
    const v = await verdict(validCluster(), { state: { secrets: { [CREDS_SECRET]: ["ACCESS_KEY_ID", "SECRET"] } } });
    assertError(v, `${creds}.secretAccessKey.key`, 'Not found: "ACCESS_SECRET_KEY": Secret "aws-creds" has no such key (it has "ACCESS_KEY_ID", "SECRET")');
  });
  test("unreachable cluster: one could-not-verify warning per Secret", async () => {
    const split = store("s3Credentials.secretAccessKey.name", "other-creds");
    const v = await verdict(split, { state: { unreachable: true } });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, [
      `${creds}.accessKeyId.name: could not verify Secret "aws-creds": no cluster`,
      `${creds}.secretAccessKey.name: could not verify Secret "other-creds": no cluster`,
    ]);
    assert.equal((await verdict(split, { state: { unreachable: true }, strict: true })).allowed, false);
  });
  test("an invalid Secret name is denied once, not also looked up", async () => {
    const v = await verdict(store("s3Credentials.accessKeyId.name", "Bad_Name"), { strict: true });
    assert.deepEqual(v.fields, [`${creds}.accessKeyId.name`]);
  });
  test("a could-not-verify warning keeps its reason within 120 characters", async () => {
    const hanging = { ...stateResolver({}), lookup: () => new Promise<never>(() => {}) };
    const out = await check("Cluster", store("s3Credentials", { accessKeyId: { name: "s3-creds" } }), { resolver: hanging, lookupTimeoutMs: 50 });
    assert.deepEqual(out.warnings, [`${creds}.accessKeyId.name: could not verify Secret "s3-creds": timed out`]);
  });
  test("a Secret in another namespace does not satisfy the reference", async () => {
    const v = await verdict(validCluster(), { namespace: "team-b" });
    assertWarning(v, `${creds}.accessKeyId.name`, 'not found in namespace "team-b"');
  });
  test("UPDATE: Secrets are checked only when the object store changed", async () => {
    const old = validCluster();
    const scaled = withField(old, "spec.instances", 5);
    const v = await verdict(scaled, { operation: "UPDATE", old, state: { secrets: {} } });
    assert.deepEqual(v.warnings, []);
    const moved = withField(old, `${STORE}.s3Credentials.accessKeyId.name`, "new-creds");
    const w = await verdict(moved, { operation: "UPDATE", old, state: { secrets: {} } });
    assert.ok(w.warnings.some((x) => x.includes('Secret "new-creds" not found')));
  });
});
