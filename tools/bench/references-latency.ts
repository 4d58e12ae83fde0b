// Latency of Cluster admissions with live lookups: sequential AdmissionReviews through the real HTTPS
// webhook, each making three GETs against the local fake kube-apiserver (store Secret, Backup, the
// Secret recorded in the Backup). Reports median and p99; the bounds asserted are generous (a
// loaded CI machine), the numbers are what matters.
//
// Not part of `make test` (500 admissions take 2-15 s depending on the machine's load). Run it after
// a build with
//     node --test-reporter=spec dist/tools/bench/references-latency.js
// and LATENCY_ADMISSIONS=N for another count.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import { API_VERSION } from "../../schemas/kinds.js";
import { makeCerts, type CertFiles } from "../testkit/certs.js";
import { startKubeApiServer, type KubeApiServer } from "../testkit/kube-api-server.js";
import { startWebhook, type TestWebhook } from "../testkit/webhook.js";

const COUNT = Number(process.env["LATENCY_ADMISSIONS"] ?? 500);
const WARMUP = 20;

let api: KubeApiServer;
let certs: CertFiles;
let tmp: string;
let hook: TestWebhook;

const creds = (name: string) => ({ accessKeyId: { name, key: "ACCESS_KEY_ID" }, secretAccessKey: { name, key: "ACCESS_SECRET_KEY" } });

const clusterWithLookups = (i: number) => ({
  apiVersion: API_VERSION,
  kind: "Cluster",
  metadata: { name: `pg-${i}`, namespace: "app" },
  spec: {
    instances: 3,
    imageName: "quay.io/enterprisedb/postgresql:13.2",
    storage: { size: "1Gi" },
    bootstrap: { fullRecovery: { backup: { name: "nightly" } } },
    backup: { barmanObjectStore: { destinationPath: "s3://backups/new", s3Credentials: creds("s3-creds"), wal: { compression: "gzip" } } },
  },
});

/** The same Cluster without references (initdb, no object store): the webhook's cost without lookups. */
const clusterWithout = (i: number) => {
  const c = clusterWithLookups(i);
  return { ...c, spec: { instances: 3, imageName: c.spec.imageName, storage: c.spec.storage } };
};

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-refs-latency-"));
  [api, certs] = await Promise.all([startKubeApiServer(), makeCerts()]);
  hook = await startWebhook({ certs, kubeconfig: api.writeKubeconfig(tmp), lookupTimeoutMs: 2000 });
  const data = { ACCESS_KEY_ID: "QUtJQQ==", ACCESS_SECRET_KEY: "c2VjcmV0" };
  api.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "s3-creds", namespace: "app" }, data });
  api.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "minio", namespace: "app" }, data });
  api.put({
    apiVersion: API_VERSION,
    kind: "Backup",
    metadata: { name: "nightly", namespace: "app" },
    spec: { cluster: { name: "pg-old" } },
    status: { phase: "completed", destinationPath: "s3://backups/old", serverName: "pg-old", s3Credentials: creds("minio") },
  });
});

after(async () => {
  await hook?.close();
  await api?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
});

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1)! };
};
const show = (s: ReturnType<typeof summary>) =>
  `median ${s.median.toFixed(2)} ms, p90 ${s.p90.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(2)} ms`;

it(`${COUNT} sequential Cluster admissions with 3 live lookups each: median and p99`, async (t) => {
  for (let i = 0; i < WARMUP; i++) {
    assert.equal((await hook.review("Cluster", clusterWithLookups(i))).response?.allowed, true);
    assert.equal((await hook.review("Cluster", clusterWithout(i))).response?.allowed, true);
  }
  const requestsBefore = api.requests.length;
  const connectionsBefore = api.connections;
  const withLookups: number[] = [];
  const without: number[] = [];
  let lookupTime = 0;
  // Interleaved, so that a burst of load elsewhere on the machine hits both series alike.
  for (let i = 0; i < COUNT; i++) {
    const a = await hook.review("Cluster", clusterWithLookups(i));
    assert.equal(a.status, 200);
    assert.equal(a.response?.allowed, true, a.text);
    assert.equal(a.response?.warnings, undefined, a.text);
    withLookups.push(a.ms);
    lookupTime += a.ms;
    const b = await hook.review("Cluster", clusterWithout(i));
    assert.equal(b.response?.allowed, true, b.text);
    without.push(b.ms);
  }
  const lookups = api.requests.length - requestsBefore;
  const [w, wo] = [summary(withLookups), summary(without)];
  t.diagnostic(
    `${COUNT} Cluster admissions with 3 live lookups each (${lookups} API GETs, ${api.connections - connectionsBefore} new API connections): ${show(w)}, ${(COUNT / (lookupTime / 1000)).toFixed(0)}/s`,
  );
  t.diagnostic(`${COUNT} Cluster admissions without references, interleaved: ${show(wo)}`);
  assert.equal(lookups, 3 * COUNT, "three GETs per admission, no more");
  assert.equal(api.connections - connectionsBefore, 0, "lookups reuse the kept-alive API connection");
  assert.ok(w.median < 50, `median ${w.median.toFixed(2)} ms`);
  assert.ok(w.p99 < 250, `p99 ${w.p99.toFixed(2)} ms`);
});
