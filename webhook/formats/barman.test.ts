// barman-cloud 2.12's reading of destinationPath and endpointURL, and the archive key issue 11's
// cluster-wide rule groups Clusters and Backups by.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { archiveAt, archiveKey, AWS_S3, backupArchive, clusterArchive, describeArchive, endpointIdentity, readDestinationPath } from "./barman.js";
import { posixJoin, urlsplit } from "./urlsplit.js";

describe("urlsplit (Python 3.8)", () => {
  test("splits as Python does", () => {
    assert.deepEqual(urlsplit("S3://Bucket/a//b/?q=1#f"), { scheme: "s3", netloc: "Bucket", path: "/a//b/", query: "q=1", fragment: "f" });
    assert.deepEqual(urlsplit("s3://b/p#x?y"), { scheme: "s3", netloc: "b", path: "/p", query: undefined, fragment: "x?y" });
    assert.deepEqual(urlsplit("minio:9000"), { scheme: "", netloc: "", path: "minio:9000", query: undefined, fragment: undefined });
    assert.deepEqual(urlsplit("s3:bucket/p"), { scheme: "s3", netloc: "", path: "bucket/p", query: undefined, fragment: undefined });
    assert.equal(urlsplit("http://[::1:9000/"), undefined, "Invalid IPv6 URL");
  });
  test("os.path.join: an absolute part discards what came before", () => {
    assert.equal(posixJoin("", "pg", ""), "pg/");
    assert.equal(posixJoin("prefix", "pg", ""), "prefix/pg/");
    assert.equal(posixJoin("prefix/", "pg/", ""), "prefix/pg/");
    assert.equal(posixJoin("prefix//", "pg", ""), "prefix//pg/");
    assert.equal(posixJoin("prefix", "/pg", ""), "/pg/");
  });
});

describe("readDestinationPath (barman cloud.py CloudInterface.__init__)", () => {
  test("scheme in any case, bucket verbatim, every leading slash stripped, inner and trailing ones kept", () => {
    assert.deepEqual(readDestinationPath("S3://Bucket_1/a//b/"), { ok: true, bucket: "Bucket_1", prefix: "a//b/", query: undefined, fragment: undefined });
    assert.deepEqual(readDestinationPath("s3://b///pg"), { ok: true, bucket: "b", prefix: "pg", query: undefined, fragment: undefined });
    assert.deepEqual(readDestinationPath("s3://user@b:9000/pg"), { ok: true, bucket: "user@b:9000", prefix: "pg", query: undefined, fragment: undefined });
    assert.deepEqual(readDestinationPath("s3://b/pg?x#y"), { ok: true, bucket: "b", prefix: "pg", query: "x", fragment: "y" });
  });
  test('"Invalid s3 URL address": another scheme, or no netloc', () => {
    for (const bad of ["https://b/pg", "b/pg", "s3:///pg", "s3:b/pg", "", " s3://b/pg"]) assert.equal(readDestinationPath(bad).ok, false, bad);
  });
});

describe("endpointIdentity", () => {
  test("no endpoint, an empty one and AWS's own endpoints are the same store", () => {
    for (const e of [
      undefined,
      "",
      "https://s3.amazonaws.com",
      "http://s3.amazonaws.com/",
      "https://s3.eu-west-1.amazonaws.com",
      "https://s3-eu-west-1.amazonaws.com",
      "https://s3.dualstack.us-east-2.amazonaws.com",
      "https://S3.US-EAST-1.AMAZONAWS.COM:443",
      "s3.amazonaws.com",
    ]) {
      assert.equal(endpointIdentity(e), AWS_S3, String(e));
    }
  });
  test("other stores: scheme and host lower-cased, default port and trailing slashes dropped", () => {
    assert.equal(endpointIdentity("http://MINIO:9000/"), "http://minio:9000");
    assert.equal(endpointIdentity("https://minio.example.com:443"), "https://minio.example.com");
    assert.equal(endpointIdentity("minio.example.com"), "https://minio.example.com");
    assert.notEqual(endpointIdentity("http://minio:9000"), endpointIdentity("http://minio.storage.svc:9000"));
    for (const other of ["https://s3-accesspoint.eu-west-1.amazonaws.com", "https://s3.cn-north-1.amazonaws.com.cn", "https://bucket.s3.amazonaws.com"]) {
      assert.notEqual(endpointIdentity(other), AWS_S3, other);
    }
  });
});

describe("archives", () => {
  const cluster = (name: string, store: Record<string, string>) => ({ metadata: { name }, spec: { backup: { barmanObjectStore: store } } });
  test("a Cluster's archive: serverName, or else its name; an empty serverName is unset", () => {
    assert.deepEqual(clusterArchive(cluster("pg", { destinationPath: "s3://b/prefix" })), { endpoint: AWS_S3, bucket: "b", folder: "prefix/pg/" });
    assert.deepEqual(clusterArchive(cluster("pg", { destinationPath: "s3://b/prefix", serverName: "" })), {
      endpoint: AWS_S3,
      bucket: "b",
      folder: "prefix/pg/",
    });
    assert.deepEqual(clusterArchive(cluster("pg", { destinationPath: "s3://b", serverName: "main" }))?.folder, "main/");
    assert.equal(clusterArchive({ metadata: { name: "pg" }, spec: {} }), undefined);
    assert.equal(clusterArchive(cluster("pg", { destinationPath: "https://b" })), undefined);
  });
  test("values of the wrong type (a document no schema checked yet) name no archive and never throw", () => {
    for (const wrong of [5, {}, [], true]) {
      const store = { destinationPath: "s3://b/prefix", serverName: wrong, endpointURL: "https://s3.example.com" };
      assert.equal(clusterArchive({ metadata: { name: "pg" }, spec: { backup: { barmanObjectStore: store as never } } }), undefined, JSON.stringify(wrong));
      assert.equal(archiveAt(wrong, undefined, "pg"), undefined);
      assert.equal(archiveAt("s3://b/p", wrong, "pg"), undefined);
      assert.equal(backupArchive({ status: { destinationPath: "s3://b/p", serverName: wrong as never } }), undefined);
    }
  });
  test("a Backup's archive: status.serverName, or else its cluster's name", () => {
    const status = { destinationPath: "s3://b/", endpointURL: "http://minio:9000", serverName: "pg-old" };
    assert.deepEqual(backupArchive({ spec: { cluster: { name: "x" } }, status }), { endpoint: "http://minio:9000", bucket: "b", folder: "pg-old/" });
    assert.deepEqual(backupArchive({ spec: { cluster: { name: "x" } }, status: { ...status, serverName: "" } })?.folder, "x/");
    assert.equal(backupArchive({ spec: { cluster: { name: "x" } } }), undefined);
  });
  test("archiveKey: equal exactly when barman writes to the same folder of the same store", () => {
    const key = (dest: string, endpoint: string | undefined, server: string) => {
      const a = archiveAt(dest, endpoint, server);
      assert.ok(a, dest);
      return archiveKey(a);
    };
    const same = [
      key("s3://b/pg", undefined, "main"),
      key("S3://b//pg", "", "main"),
      key("s3://b/pg/", "https://s3.amazonaws.com", "main/"),
      key("s3://b/pg?ignored", "https://s3.us-east-1.amazonaws.com", "main"),
    ];
    assert.equal(new Set(same).size, 1, same.join("\n"));
    for (const other of [
      key("s3://b/pg//", undefined, "main"), // "pg//main" is another folder
      key("s3://B/pg", undefined, "main"), // bucket names are case-sensitive
      key("s3://b/pg", "http://minio:9000", "main"),
      key("s3://b/pg", undefined, "main2"),
      key("s3://b/other", undefined, "/pg/main"), // an absolute serverName discards the prefix
    ]) {
      assert.ok(!same.includes(other), other);
    }
    assert.equal(key("s3://b/other", undefined, "/pg/main"), archiveKey({ endpoint: AWS_S3, bucket: "b", folder: "/pg/main/" }));
  });
  test("describeArchive names the folder, and the endpoint unless it is AWS", () => {
    assert.equal(describeArchive({ endpoint: AWS_S3, bucket: "b", folder: "pg/main/" }), "s3://b/pg/main/");
    assert.equal(describeArchive({ endpoint: "http://minio:9000", bucket: "b", folder: "main/" }), "s3://b/main/ at http://minio:9000");
  });
});
