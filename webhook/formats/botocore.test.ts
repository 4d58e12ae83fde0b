// botocore 1.19's endpoint and bucket checks (docs/operator-0.5.md §7-8).
import assert from "node:assert/strict";
import { test } from "node:test";
import { endpointProblem, isBotocoreBucketName } from "./botocore.js";

test("is_valid_endpoint_url: the host only, DNS labels or all-numeric ones", () => {
  for (const ok of [
    "https://minio",
    "http://MINIO.Example.com",
    "https://minio.example.com.",
    "http://999.1.1.1",
    "http://minio:notaport",
    "https://user:pw@minio",
    "ftp://minio",
    `https://${"a".repeat(63)}.com`,
  ]) {
    assert.equal(endpointProblem(ok), undefined, ok);
  }
  const cases: [string, string][] = [
    ["https://minio_1", "invalid-host"],
    ["https://a..b", "invalid-host"],
    ["https://a.b..", "invalid-host"],
    ["https://-a.example.com", "invalid-host"],
    ["https://a-.example.com", "invalid-host"],
    [`https://${"a".repeat(64)}.com`, "invalid-host"],
    [`https://${"a.".repeat(128)}com`, "too-long"],
    ["http://[::1]:9000", "ipv6"],
    ["http://[::1:9000", "ipv6"],
    ["minio.example.com", "no-host"],
    ["https://", "no-host"],
    ["http://exa mple.com", "invalid-host"],
  ];
  for (const [url, problem] of cases) assert.equal(endpointProblem(url), problem, url);
});

test("validate_bucket_name: letters, digits, '.', '-', '_', 1 to 255", () => {
  for (const ok of ["b", "Legacy_Bucket", "a.b-c"]) assert.ok(isBotocoreBucketName(ok), ok);
  for (const bad of ["", "user@b", "b:9000", "a".repeat(256), "b c"]) assert.ok(!isBotocoreBucketName(bad), bad);
});
