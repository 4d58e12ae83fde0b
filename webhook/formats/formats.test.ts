import assert from "node:assert/strict";
import { test } from "node:test";
import { dns1123SubdomainProblems, looksLikePlaceholder, parseImage, parseQuantity, postgresMajor, s3BucketProblems, secretKeyProblems } from "./formats.js";

test("quantities as resource.Quantity parses them", () => {
  assert.equal(parseQuantity("1Gi"), 2 ** 30);
  assert.equal(parseQuantity("500M"), 5e8);
  assert.equal(parseQuantity("1e3"), 1000);
  assert.equal(parseQuantity("1.5Ki"), 1536);
  assert.equal(parseQuantity("100m"), 0.1);
  for (const bad of ["", "1 Gi", "1GB", "Gi", "1.2.3", "0x10", "1gi"]) assert.equal(parseQuantity(bad), undefined, bad);
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
});

test("S3 bucket names and placeholders", () => {
  assert.deepEqual(s3BucketProblems("backups"), []);
  assert.deepEqual(s3BucketProblems("my.bucket-01"), []);
  assert.ok(s3BucketProblems("10.0.0.1").some((p) => p.includes("IP address")));
  assert.ok(looksLikePlaceholder("BUCKET_NAME"));
  assert.ok(looksLikePlaceholder("<bucket>"));
  assert.ok(!looksLikePlaceholder("backups"));
});

test("image references and PostgreSQL major versions", () => {
  assert.deepEqual(parseImage("registry:5000/pg/postgresql:13.2@sha256:abc"), { name: "registry:5000/pg/postgresql", tag: "13.2", digest: "sha256:abc" });
  assert.deepEqual(parseImage("registry:5000/postgresql"), { name: "registry:5000/postgresql", tag: undefined, digest: undefined });
  assert.equal(postgresMajor("13"), "13");
  assert.equal(postgresMajor("13.2-1"), "13");
  assert.equal(postgresMajor("9.6.20"), "9.6");
  assert.equal(postgresMajor("12-alpine"), "12");
  assert.equal(postgresMajor("9"), undefined);
  assert.equal(postgresMajor("2021.01"), undefined);
  assert.equal(postgresMajor("latest"), undefined);
});
