// Answers known without I/O (README "Performance"): they must be the answers the requests would give,
// and a chain or a cache that would need a request says so (undefined) instead of guessing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { credentialsSecret, validCluster } from "../../tools/fuzz/objects.js";
import { KubeApi } from "./api.js";
import { CachedResolver } from "./cached.js";
import type { ListerWatcher, ListPage } from "./informer.js";
import { KubeResolver } from "./kube.js";
import { ManifestResolver } from "./files.js";
import { chainResolvers, noCluster, unknown, type ReferenceResolver } from "./resolver.js";
import type { ObjectIndex } from "./store.js";

const BY_NAME: ObjectIndex = { name: "byName", keys: { Cluster: (_o, _ns, name) => [name], Backup: (_o, _ns, name) => [name] } };
const signal = new AbortController().signal;

/** The API resolver, with an API server nobody listens at: these tests must never need it. */
const apiNeverCalled = (): KubeResolver =>
  new KubeResolver(
    new KubeApi({ server: new URL("https://127.0.0.1:1"), source: "test", current: async () => ({ tls: {}, headers: {} }), invalidate: () => {} }),
  );

/** A live resolver stand-in: every answer needs a request. */
const remote: ReferenceResolver = {
  source: "remote",
  close: () => {},
  lookup: async () => unknown("remote"),
  lookupIndex: async () => unknown("remote"),
};

test("files and no cluster know every answer, and it is the answer of their lookups", async () => {
  const files = new ManifestResolver([credentialsSecret("creds", "app"), validCluster("pg", "app")], "default");
  for (const [kind, ns, name] of [
    ["Secret", "app", "creds"],
    ["Cluster", "app", "pg"],
    ["Cluster", "other", "pg"],
    ["Backup", "app", "none"],
  ] as const) {
    assert.deepEqual(files.known(kind, ns, name), await files.lookup(kind, ns, name));
    assert.deepEqual(noCluster.known?.(kind, ns, name), await noCluster.lookup(kind, ns, name, signal));
  }
  assert.deepEqual(files.knownIndex(BY_NAME, "pg"), await files.lookupIndex(BY_NAME, "pg"));
  assert.equal(files.knownIndex(BY_NAME, "pg").state, "present");
});

test("a chain knows an answer only when no resolver before the answer needs a request", async () => {
  const files = new ManifestResolver([credentialsSecret("creds", "app")], "default");
  const filesFirst = chainResolvers([files, remote]);
  // The files know it: the cluster is not asked.
  assert.deepEqual(filesFirst.known?.("Secret", "app", "creds"), await filesFirst.lookup("Secret", "app", "creds", signal));
  // The files do not: only the cluster could tell.
  assert.equal(filesFirst.known?.("Secret", "app", "other"), undefined);
  assert.equal(filesFirst.knownIndex?.(BY_NAME, "pg"), undefined);
  const known = chainResolvers([files, noCluster]);
  assert.deepEqual(known.known?.("Secret", "app", "other"), await known.lookup("Secret", "app", "other", signal));
  assert.deepEqual(known.knownIndex?.(BY_NAME, "pg"), await known.lookupIndex(BY_NAME, "pg", signal));
});

test("the API knows without a request only that impossible names have no object", () => {
  const kube = apiNeverCalled();
  assert.deepEqual(kube.known("Secret", "app", "Not_A_Name"), { state: "absent" });
  assert.equal(kube.known("Secret", "bad/namespace", "creds")?.state, "unknown");
  assert.equal(kube.known("Secret", "app", "creds"), undefined);
  kube.close();
});

/** One page of Clusters (none for Backups), then watches that stay open until stopped. */
function source(items: readonly unknown[], gate: Promise<void>): ListerWatcher {
  return {
    list: async (): Promise<ListPage> => {
      await gate;
      return { items, resourceVersion: "1" };
    },
    watch: (_options, stop) => new Promise((resolve) => stop.addEventListener("abort", () => resolve(), { once: true })),
  };
}

for (const watch of [true, false]) {
  test(`a ${watch ? "watch cache (serve)" : "snapshot (validate, audit)"}: known from the cache once synced; before, ${watch ? "index unknown, names by request" : "waited for"}`, async () => {
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const kube = apiNeverCalled();
    const cluster = { ...validCluster("pg", "app"), metadata: { name: "pg", namespace: "app" } };
    const resolver = new CachedResolver(kube, { watch, sources: { Cluster: source([cluster], gate), Backup: source([], gate) } }).start();
    try {
      assert.equal(resolver.known("Cluster", "app", "pg"), undefined, "not synced: only a request (or the sync) can tell");
      const before = resolver.knownIndex(BY_NAME, "pg");
      if (watch) assert.equal(before?.state, "unknown", "the server does not wait for its caches");
      else assert.equal(before, undefined, "a snapshot is worth waiting for");
      open();
      await resolver.caches.wait(5000);
      assert.equal(resolver.known("Cluster", "app", "pg")?.state, "present");
      // A name the cache does not know may be a moment old: read through, not "absent".
      assert.equal(resolver.known("Cluster", "app", "new"), undefined);
      const index = resolver.knownIndex(BY_NAME, "pg");
      assert.equal(index?.state === "present" && index.object.map((o) => `${o.namespace}/${o.name}`).join(), "app/pg");
    } finally {
      resolver.close();
    }
  });
}
