import assert from "node:assert/strict";
import { test } from "node:test";
import {
  dns1123SubdomainProblems,
  isDNS1035Label,
  labelValueProblems,
  looksLikePlaceholder,
  majorVersionText,
  operatorImageTag,
  postgresMajorVersion,
  postgresVersionFromTag,
  qualifiedNameProblems,
  s3BucketProblems,
  secretKeyProblems,
} from "./formats.js";

test("qualified names and label values as apimachinery IsQualifiedName and IsValidLabelValue judge them", () => {
  for (const good of ["cpu", "example.com/gpu", "MyName", "my.name", "123-abc", "a".repeat(63)]) assert.deepEqual(qualifiedNameProblems(good), [], good);
  assert.deepEqual(qualifiedNameProblems("/x"), ["prefix part must be non-empty"]);
  assert.equal(qualifiedNameProblems("").length, 2, "empty, and not matching the name pattern");
  assert.equal(qualifiedNameProblems("a".repeat(64)).length, 1);
  assert.equal(qualifiedNameProblems("Example.com/gpu").length, 1, "the prefix is a DNS subdomain");
  assert.match(qualifiedNameProblems("a/b/c")[0] ?? "", /^a qualified name must consist of/);
  assert.deepEqual(labelValueProblems(""), []);
  assert.deepEqual(labelValueProblems("my_value"), []);
  assert.equal(labelValueProblems("gold plated").length, 1);
  assert.equal(labelValueProblems("-a".repeat(40)).length, 2, "too long, and a '-' at the start");
});

test("DNS-1123 subdomains and Secret keys", () => {
  assert.deepEqual(dns1123SubdomainProblems("aws-creds.v2"), []);
  assert.equal(dns1123SubdomainProblems("Aws").length, 1);
  assert.equal(dns1123SubdomainProblems("-a").length, 1);
  assert.equal(dns1123SubdomainProblems("a".repeat(254)).length, 1);
  assert.deepEqual(secretKeyProblems("ACCESS_KEY_ID"), []);
  assert.deepEqual(secretKeyProblems("tls.crt"), []);
  assert.equal(secretKeyProblems("a/b").length, 1);
  assert.equal(secretKeyProblems(".").length, 1);
  assert.deepEqual(secretKeyProblems("..data"), ["must not start with '..'"]);
});

test("S3 bucket names and placeholders", () => {
  assert.deepEqual(s3BucketProblems("backups"), []);
  assert.deepEqual(s3BucketProblems("my.bucket-01"), []);
  assert.ok(s3BucketProblems("10.0.0.1").some((p) => p.includes("IP address")));
  for (const reserved of ["xn--bucket", "sthree-bucket", "amzn-s3-demo-bucket", "b-s3alias", "b--ol-s3", "b.mrap", "b--x-s3", "b--table-s3"]) {
    assert.ok(
      s3BucketProblems(reserved).some((p) => p.includes("AWS reserves")),
      reserved,
    );
  }
  assert.ok(looksLikePlaceholder("BUCKET_NAME"));
  assert.ok(looksLikePlaceholder("<bucket>"));
  assert.ok(!looksLikePlaceholder("backups"));
});

test("image tags as release 0.5 reads them (cnp v0.5.0 pkg/utils/imagename.go GetImageTag)", () => {
  assert.equal(operatorImageTag("quay.io/enterprisedb/postgresql:13.1"), "13.1");
  assert.equal(operatorImageTag("postgres"), "latest");
  assert.equal(operatorImageTag("registry:5000/pg/postgresql:13.2"), "5000/pg/postgresql");
  assert.equal(operatorImageTag(`postgres:12@sha256:${"a".repeat(64)}`), "12@sha256");
  assert.equal(operatorImageTag(`postgres@sha256:${"a".repeat(64)}`), "a".repeat(64));
});

test("PostgreSQL versions as release 0.5 parses tags (cnp v0.5.0 pkg/postgres/version.go)", () => {
  // The operator's own examples, and the shapes docs/operator-0.5.md §5 lists.
  const version = (tag: string) => {
    const v = postgresVersionFromTag(tag);
    return v.ok ? v.version : v.error;
  };
  assert.equal(version("9.5.3"), 90503);
  assert.equal(version("10.2"), 100002);
  assert.equal(version("13"), 130000);
  assert.equal(version("13.1-1"), 130001);
  assert.equal(version("13-alpine"), 130000);
  assert.equal(version("9.6.20"), 90620);
  assert.equal(version("12_x"), 120000);
  assert.equal(version("13.1.5.7"), 130001, "components after the patch level are ignored");
  assert.equal(version("latest"), "wrong PostgreSQL major in version latest");
  assert.equal(version("13beta1"), "wrong PostgreSQL major in version 13beta1");
  assert.equal(version("v13"), "wrong PostgreSQL major in version v13");
  assert.equal(version("13.x"), "wrong PostgreSQL patch level in version 13.x");
  assert.equal(version("13.100"), "wrong PostgreSQL patch level in version 13.100");
  assert.equal(version("9"), "missing PostgreSQL minor in version 9");
  assert.equal(version("9-alpine"), "missing PostgreSQL minor in version 9");
  assert.equal(version("5000/pg"), "wrong PostgreSQL major in version 5000/pg");
  assert.equal(postgresMajorVersion(130001), 130000);
  assert.equal(postgresMajorVersion(90620), 90600);
  assert.equal(majorVersionText(130000), "13");
  assert.equal(majorVersionText(90600), "9.6");
});

test("DNS-1035 labels (Service names)", () => {
  assert.ok(isDNS1035Label("pg-main"));
  assert.ok(!isDNS1035Label("1pg"));
  assert.ok(!isDNS1035Label("pg.main"));
  assert.ok(!isDNS1035Label("a".repeat(64)));
});
