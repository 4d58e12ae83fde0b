// The watch caches of `serve --kubeconfig` (README "References", Caches) against the local API server:
// changes arrive through the watch, a watch the server ends or cuts is resumed or relisted, a 410 Gone
// relists, and /readyz waits for the first sync only as long as --cache-sync-timeout allows, the server
// answering meanwhile. The protocol step by step is in webhook/references/informer.test.ts.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { GROUP, VERSION } from "../schemas/kinds.js";
import { completedBackup, credentialsSecret, validBackup, validCluster, type JsonObject } from "../tools/fuzz/objects.js";
import { startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";
import { waitFor } from "../tools/testkit/https.js";
import { changeOutageWorld, isFalse, OUTAGE_PROBES, seedOutageWorld, verdictOf } from "../tools/testkit/outage.js";
import { cached, startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";
import { KubeApi } from "../webhook/references/api.js";
import { CachedResolver } from "../webhook/references/cached.js";
import { loadKubeConfig } from "../webhook/references/credentials.js";
import { KubeResolver } from "../webhook/references/kube.js";

const NS = "app";
const asKube = (o: JsonObject) => o as never;
const clusterPath = (namespace: string, name: string) => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/clusters/${name}`;

let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-caches-"));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A Backup of `cluster` is admitted without "could not verify", and its Cluster cost no API request. */
async function admittedFromCache(hook: TestWebhook, api: KubeApiServer, cluster: string): Promise<void> {
  const before = api.requests.length;
  const answer = await hook.review("Backup", validBackup(`${cluster}-backup`, NS, cluster));
  assert.equal(answer.response?.allowed, true, answer.text.slice(0, 300));
  assert.ok(!(answer.response?.warnings ?? []).some((w) => w.includes("could not verify")), JSON.stringify(answer.response?.warnings));
  assert.deepEqual(
    api.requests.slice(before).filter((r) => r.path === clusterPath(NS, cluster)),
    [],
    "the Cluster was read from the API server",
  );
}

describe("watch caches against the local API server", () => {
  let api: KubeApiServer;
  let hook: TestWebhook;

  before(async () => {
    api = await startKubeApiServer({ bookmarkEveryMs: 100 });
    api.put(asKube(credentialsSecret("aws-creds", NS)));
    api.put(asKube(validCluster("pg", NS)));
    api.put(asKube(completedBackup("pg-backup-1", NS, "pg")));
    hook = await startWebhook({ kubeconfig: api.writeKubeconfig(tmp, { file: "kubeconfig-watch" }) });
  });

  after(async () => {
    await hook?.close();
    await api?.close();
  });

  it("a Cluster created after the sync reaches the cache through the watch; a deleted one leaves it", async () => {
    api.put(asKube(validCluster("pg-new", NS)));
    await cached(hook, "Cluster", NS, "pg-new");
    await admittedFromCache(hook, api, "pg-new");
    api.remove("Cluster", NS, "pg-new");
    await cached(hook, "Cluster", NS, "pg-new", false);
  });

  it("a watch the server ends is resumed without a relist; one whose history is gone (410) relists", async () => {
    const resolver = hook.resolver as CachedResolver;
    const lists = resolver.informers.Cluster.stats.lists;
    const watches = resolver.informers.Cluster.stats.watches;
    api.endWatches();
    api.put(asKube(validCluster("pg-after-end", NS)));
    await cached(hook, "Cluster", NS, "pg-after-end");
    assert.ok(resolver.informers.Cluster.stats.watches > watches, "watched again");
    assert.equal(resolver.informers.Cluster.stats.lists, lists, "no relist after a clean end");

    api.expireHistory();
    api.endWatches();
    api.put(asKube(validCluster("pg-after-410", NS)));
    await cached(hook, "Cluster", NS, "pg-after-410");
    assert.ok(resolver.informers.Cluster.stats.lists > lists, "relisted");
    assert.ok(hook.logs().some((l) => l.msg === "cache relisting" && /410/.test(String(l.reason))));
    await admittedFromCache(hook, api, "pg-after-410");
  });

  it("a watch cut off by the network → relist after a backoff; the cache answers meanwhile", async () => {
    const resolver = hook.resolver as CachedResolver;
    const lists = resolver.informers.Backup.stats.lists;
    api.cutWatches();
    await admittedFromCache(hook, api, "pg");
    api.put(asKube(completedBackup("pg-backup-after-cut", NS, "pg")));
    await cached(hook, "Backup", NS, "pg-backup-after-cut");
    assert.ok(resolver.informers.Backup.stats.lists > lists, "relisted");
  });
});

describe("readiness waits for the first sync, bounded", () => {
  it("/readyz 503 while the list hangs, 200 after --cache-sync-timeout; admissions answered throughout, reading through", async () => {
    const api = await startKubeApiServer();
    api.put(asKube(credentialsSecret("aws-creds", NS)));
    api.put(asKube(validCluster("pg", NS)));
    // The list of all namespaces' Clusters never answers; GETs of single objects do.
    api.faultFor(`/apis/${GROUP}/${VERSION}/clusters`, "hang");
    const credentials = loadKubeConfig({ kubeconfig: api.writeKubeconfig(tmp, { file: "kubeconfig-hang" }), env: {} });
    assert.ok(credentials);
    const resolver = new CachedResolver(new KubeResolver(new KubeApi(credentials)), { watch: true }).start();
    const syncTimeoutMs = 1500;
    const started = Date.now();
    const hook = await startWebhook({ resolver, cacheSyncTimeoutMs: syncTimeoutMs });
    try {
      const notReady = await hook.request({ path: "/readyz", method: "GET" });
      assert.equal(notReady.status, 503);
      assert.match(notReady.body, /^Cluster cache not synced yet/);
      // Not ready, but answering: the Cluster is read through with one GET.
      const answer = await hook.review("Backup", validBackup("pg-backup-2", NS, "pg"));
      assert.equal(answer.response?.allowed, true, answer.text.slice(0, 300));
      assert.ok(!(answer.response?.warnings ?? []).some((w) => w.includes("could not verify")), JSON.stringify(answer.response?.warnings));
      assert.ok(api.requests.some((r) => r.path === clusterPath(NS, "pg")));
      let ready = notReady.status;
      while (ready !== 200 && Date.now() - started < syncTimeoutMs + 3000) {
        await new Promise((r) => setTimeout(r, 50));
        ready = (await hook.request({ path: "/readyz", method: "GET" })).status;
      }
      assert.equal(ready, 200, "ready once the wait is over");
      assert.ok(Date.now() - started >= syncTimeoutMs - 100, "not before the timeout");
      assert.equal(resolver.informers.Cluster.synced, false, "the Cluster cache still has not synced");
      assert.ok(hook.logs().some((l) => l.msg === "caches not synced in time: ready, answering through GETs until they are"));
    } finally {
      await hook.close();
      await api.close();
    }
  });
});

describe("an API outage: no verdict from a stale cache, relisted within a second of recovery", () => {
  const STALE_AFTER_MS = 300;
  let api: KubeApiServer;
  let hook: TestWebhook;
  let resolver: CachedResolver;
  const verdicts = async () => Promise.all(OUTAGE_PROBES.map(async (p) => verdictOf((await hook.review("Cluster", p.object)).response)));

  before(async () => {
    api = await startKubeApiServer({ bookmarkEveryMs: 100 });
    seedOutageWorld(api);
    const credentials = loadKubeConfig({ kubeconfig: api.writeKubeconfig(tmp, { file: "kubeconfig-outage" }), env: {} });
    assert.ok(credentials);
    resolver = new CachedResolver(new KubeResolver(new KubeApi(credentials)), { watch: true, staleAfterMs: STALE_AFTER_MS }).start();
    assert.equal(await resolver.caches.wait(5000), true);
    hook = await startWebhook({ resolver, metricsPort: "ephemeral" });
  });

  after(async () => {
    await hook?.close();
    await api?.close();
  });

  it("during: 'could not verify', /readyz 200 saying why, cnp_webhook_cache_synced 0; after: the truth within 1 s", async (t) => {
    const before = await verdicts();
    assert.deepEqual(before, ["admitted", "denied", "admitted"]);

    api.fault = "error";
    api.cutWatches();
    await waitFor(() => resolver.caches.health().every((h) => !h.current), "the caches to be no longer current", 3000);
    changeOutageWorld(api);
    const during = await verdicts();
    assert.deepEqual(during, ["unverified", "unverified", "unverified"]);
    const ready = await hook.request({ path: "/readyz" });
    assert.equal(ready.status, 200);
    assert.match(
      ready.body,
      /^ok\nCluster cache not current: its watch has been down for \d+ s \(500 InternalError: [^)]*\); lookups that depend on it answer "could not verify"\n/,
    );
    const synced = (await hook.running.metrics.cacheSynced.get()).values;
    assert.deepEqual(synced.map((v) => [v.labels.kind, v.value]).sort(), [
      ["Backup", 0],
      ["Cluster", 0],
    ]);

    // A GET answered (here the Secret's, by the admission) wakes the relists at once.
    const recovered = performance.now();
    api.fault = "none";
    const after = await verdicts();
    await waitFor(() => resolver.caches.health().every((h) => h.current), "the caches to be current again", 3000);
    const staleMs = performance.now() - recovered;
    t.diagnostic(
      `verdicts before ${JSON.stringify(before)}, during ${JSON.stringify(during)}, at recovery ${JSON.stringify(after)}; current again ${staleMs.toFixed(0)} ms after recovery`,
    );
    assert.ok(staleMs < 1000, `${staleMs} ms`);
    const truth = await verdicts();
    assert.deepEqual(truth, ["denied", "admitted", "denied"]);
    for (const [i, verdict] of after.entries()) assert.ok(!isFalse(verdict, truth[i]!), `${OUTAGE_PROBES[i]!.name}: ${verdict} at recovery`);
    const relists = (await hook.running.metrics.cacheRelists.get()).values;
    assert.ok(relists.every((v) => v.value >= 1) && relists.length === 2);
  });

  it("a list answered with `200 {}` is a failure, not an empty cache", async () => {
    const listPath = `/apis/${GROUP}/${VERSION}/clusters`;
    api.faultFor(listPath, "empty");
    api.cutWatches();
    const notAList = /^Cluster cache not current: .*\(the API server answered the list of Clusters with something other than a list\)$/;
    await waitFor(() => notAList.test(resolver.caches.health()[0]?.why ?? ""), "the Cluster cache to be no longer current, the list refused", 3000);
    assert.ok(resolver.informers.Cluster.store.get("app", "new-writer"), "the cache kept what it had");
    api.faultFor(listPath, undefined);
    await waitFor(() => resolver.caches.health().every((h) => h.current), "the caches to be current again", 3000);
  });
});
