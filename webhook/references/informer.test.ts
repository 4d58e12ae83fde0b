// The watch cache's protocol, against an in-memory list/watch source whose every step the test
// drives: pages, resume after a clean end, relist on 410 (as an ERROR event, as a status, on an
// expired continue token), backoff after failures, snapshots that give up. The same informer against
// the local API server is in test/caches-live.test.ts.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { ApiError, type WatchEvent } from "./api.js";
import { Informer, type InformerEvent, type ListerWatcher, type ListPage } from "./informer.js";
import { keep } from "./reference-kinds.js";

type Raw = { apiVersion: string; kind: string; metadata: { name: string; namespace: string; resourceVersion?: string }; [k: string]: unknown };

const cluster = (namespace: string, name: string, destinationPath = `s3://b/${name}`): Raw => ({
  apiVersion: "postgresql.k8s.enterprisedb.io/v1alpha1",
  kind: "Cluster",
  metadata: { name, namespace },
  spec: { instances: 3, backup: { barmanObjectStore: { destinationPath } } },
});

/** One watch in progress: the test sends events into it and ends or fails it. */
interface OpenWatch {
  readonly resourceVersion: string;
  emit(event: WatchEvent): void;
  end(): void;
  fail(err: Error): void;
}

/** A list/watch source the test drives step by step. */
class Source implements ListerWatcher {
  private readonly objects = new Map<string, Raw>();
  private rv = 0;
  readonly lists: { continue?: string }[] = [];
  readonly watches: OpenWatch[] = [];
  /** Fails the next list page with this error (once). */
  failList: Error | undefined;
  /** Fails every list while set (an outage). */
  down: Error | undefined;
  /** The continue token of the next page request is refused with 410 (once). */
  expireContinue = false;
  private waiting: ((w: OpenWatch) => void)[] = [];

  put(o: Raw): Raw {
    const stored = structuredClone(o);
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(`${o.metadata.namespace}/${o.metadata.name}`, stored);
    return stored;
  }

  remove(namespace: string, name: string): Raw {
    const o = this.objects.get(`${namespace}/${name}`)!;
    this.objects.delete(`${namespace}/${name}`);
    return { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
  }

  async list(options: { limit: number; continue?: string }): Promise<ListPage> {
    this.lists.push({ ...(options.continue ? { continue: options.continue } : {}) });
    if (this.down) throw this.down;
    if (this.failList) {
      const err = this.failList;
      this.failList = undefined;
      throw err;
    }
    if (options.continue && this.expireContinue) {
      this.expireContinue = false;
      throw new ApiError(410, { reason: "Expired", message: "continue token too old" });
    }
    const all = [...this.objects.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const start = Number(options.continue ?? 0);
    const end = Math.min(all.length, start + options.limit);
    return { items: all.slice(start, end), resourceVersion: String(this.rv), ...(end < all.length ? { continue: String(end) } : {}) };
  }

  watch(options: { resourceVersion: string }, signal: AbortSignal, onEvent: (e: WatchEvent) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const w: OpenWatch = { resourceVersion: options.resourceVersion, emit: onEvent, end: resolve, fail: reject };
      signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      this.watches.push(w);
      for (const waiter of this.waiting.splice(0)) waiter(w);
    });
  }

  /** The watch opened after `count` earlier ones. */
  async nthWatch(count: number): Promise<OpenWatch> {
    while (this.watches.length <= count) await new Promise<OpenWatch>((resolve) => this.waiting.push(resolve));
    return this.watches[count]!;
  }
}

/** Informers of the current test, closed after it even when an assertion failed (a running one keeps the process alive). */
const live: Informer<"Cluster">[] = [];

function informer(
  source: Source,
  opts: { watch?: boolean; events?: InformerEvent[]; pageSize?: number; backoffMs?: number; wake?: (l: () => void) => () => void; staleAfterMs?: number } = {},
) {
  const made = new Informer({
    kind: "Cluster",
    source,
    project: keep.Cluster,
    pageSize: opts.pageSize ?? 2,
    minBackoffMs: opts.backoffMs ?? 20,
    maxBackoffMs: opts.backoffMs ?? 80,
    ...(opts.wake ? { wake: opts.wake } : {}),
    ...(opts.staleAfterMs !== undefined ? { staleAfterMs: opts.staleAfterMs } : {}),
    ...(opts.watch === false ? { watch: false } : {}),
    observe: (e) => opts.events?.push(e),
  });
  live.push(made);
  return made;
}

const names = (i: Informer<"Cluster">, namespace = "a"): string[] =>
  ["pg-1", "pg-2", "pg-3", "pg-4", "pg-5", "pg-new"].filter((n) => i.store.get(namespace, n) !== undefined);

const until = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`not within 2 s: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("Informer", () => {
  afterEach(async () => {
    await Promise.all(live.splice(0).map((i) => i.close()));
  });

  it("lists every page, keeps only what rules read, then watches from the list's resourceVersion", async () => {
    const source = new Source();
    for (const n of ["pg-1", "pg-2", "pg-3", "pg-4", "pg-5"]) source.put(cluster("a", n));
    const i = informer(source).start();
    assert.equal(i.synced, false);
    assert.equal(await i.waitForSync(1000), true);
    assert.deepEqual(
      source.lists.map((l) => l.continue),
      [undefined, "2", "4"],
    );
    assert.deepEqual(names(i), ["pg-1", "pg-2", "pg-3", "pg-4", "pg-5"]);
    // kinds.ts `keep`: the instance count is not kept, the object store is.
    assert.deepEqual(i.store.get("a", "pg-1")?.spec, { backup: { barmanObjectStore: { destinationPath: "s3://b/pg-1" } } });
    assert.equal((await source.nthWatch(0)).resourceVersion, "5");
    await i.close();
  });

  it("applies ADDED, MODIFIED and DELETED; a BOOKMARK moves the resourceVersion; a watch the server ends is resumed from there, without a relist", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const i = informer(source).start();
    await i.waitForSync(1000);
    const w = await source.nthWatch(0);
    w.emit({ type: "ADDED", object: source.put(cluster("a", "pg-new")) });
    w.emit({ type: "MODIFIED", object: source.put(cluster("a", "pg-1", "s3://b/moved")) });
    w.emit({ type: "DELETED", object: source.remove("a", "pg-new") });
    w.emit({ type: "BOOKMARK", object: { metadata: { resourceVersion: "42" } } });
    assert.deepEqual(names(i), ["pg-1"]);
    assert.equal(i.store.get("a", "pg-1")?.spec?.backup?.barmanObjectStore?.destinationPath, "s3://b/moved");
    w.end();
    const next = await source.nthWatch(1);
    assert.equal(next.resourceVersion, "42");
    assert.equal(source.lists.length, 1, "no relist after a clean end");
    await i.close();
  });

  it("410 Gone as a watch ERROR event → relist at once; what was deleted meanwhile is gone from the cache", async () => {
    const source = new Source();
    const events: InformerEvent[] = [];
    for (const n of ["pg-1", "pg-2"]) source.put(cluster("a", n));
    const i = informer(source, { events }).start();
    await i.waitForSync(1000);
    source.remove("a", "pg-2"); // while the watch "missed" it
    source.put(cluster("a", "pg-3"));
    (await source.nthWatch(0)).emit({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" } });
    await source.nthWatch(1);
    assert.equal(source.lists.length, 2);
    assert.deepEqual(names(i), ["pg-1", "pg-3"]);
    assert.ok(events.some((e) => e.type === "relist" && /410/.test(e.reason)));
    assert.ok(!events.some((e) => e.type === "error"), "a 410 is not a failure: no backoff");
    await i.close();
  });

  it("410 as the watch's HTTP status → relist at once", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const i = informer(source).start();
    await i.waitForSync(1000);
    (await source.nthWatch(0)).fail(new ApiError(410, { reason: "Expired" }));
    await source.nthWatch(1);
    assert.equal(source.lists.length, 2);
    await i.close();
  });

  it("a watch that fails → backoff, then a relist; the cache keeps answering meanwhile", async () => {
    const source = new Source();
    const events: InformerEvent[] = [];
    source.put(cluster("a", "pg-1"));
    const i = informer(source, { events }).start();
    await i.waitForSync(1000);
    const failedAt = Date.now();
    (await source.nthWatch(0)).fail(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    assert.deepEqual(names(i), ["pg-1"], "still served while reconnecting");
    await source.nthWatch(1);
    assert.ok(Date.now() - failedAt >= 15, "waited a backoff");
    assert.equal(source.lists.length, 2, "relisted");
    const error = events.find((e) => e.type === "error");
    assert.equal(error?.type === "error" && error.during, "watch");
    assert.ok(events.some((e) => e.type === "relist" && /watch failed: read ECONNRESET/.test(e.reason)));
    await i.close();
  });

  it("an answer of the API server ends a relist's backoff at once", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const listeners = new Set<() => void>();
    const wake = (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    };
    const i = informer(source, { backoffMs: 60_000, wake }).start();
    await i.waitForSync(1000);
    (await source.nthWatch(0)).fail(new Error("read ECONNRESET"));
    await until(() => listeners.size === 1, "the relist to wait out its backoff");
    const woken = Date.now();
    for (const l of [...listeners]) l();
    await source.nthWatch(1);
    assert.ok(Date.now() - woken < 500, `relisted ${Date.now() - woken} ms after the answer (backoff 60 s)`);
    assert.equal(listeners.size, 0, "nothing left subscribed");
    await i.close();
  });

  it("a watch down past the bound makes the cache not current, with the reason; a relist makes it current again", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const i = informer(source, { staleAfterMs: 100 }).start();
    await i.waitForSync(1000);
    source.down = new ApiError(500, { reason: "InternalError", message: "etcdserver: request timed out" });
    (await source.nthWatch(0)).fail(new Error("read ECONNRESET"));
    assert.equal(i.staleBecause(), undefined, "within the bound");
    await until(() => i.staleBecause() !== undefined, "the bound to pass");
    assert.match(i.staleBecause()!, /^Cluster cache not current: its watch has been down for \d+ s \(500 InternalError: etcdserver: request timed out\)$/);
    assert.equal(i.synced, true, "still synced: the first list was done");
    source.down = undefined;
    await source.nthWatch(1);
    assert.equal(i.staleBecause(), undefined);
    await i.close();
  });

  it("a list that fails is retried with a growing backoff; the cache is not synced until one succeeds", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    source.failList = new ApiError(500, { reason: "InternalError", message: "etcdserver: request timed out" });
    const i = informer(source).start();
    await until(() => i.notSyncedBecause !== "Cluster cache not synced yet", "the first list's failure");
    assert.equal(i.synced, false);
    assert.match(i.notSyncedBecause, /^Cluster cache not synced: 500 InternalError: etcdserver: request timed out$/);
    assert.equal(await i.waitForSync(1000), true);
    assert.equal(source.lists.length, 2);
    await i.close();
  });

  it("an expired continue token (410 between pages) → the list starts over from its first page", async () => {
    const source = new Source();
    for (const n of ["pg-1", "pg-2", "pg-3"]) source.put(cluster("a", n));
    source.expireContinue = true;
    const i = informer(source).start();
    await i.waitForSync(1000);
    assert.deepEqual(
      source.lists.map((l) => l.continue),
      [undefined, "2", undefined, "2"],
    );
    assert.deepEqual(names(i), ["pg-1", "pg-2", "pg-3"]);
    await i.close();
  });

  it("watches that end at once without news are not reopened in a tight loop", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const i = informer(source).start();
    await i.waitForSync(1000);
    const started = Date.now();
    for (let n = 0; n < 4; n++) (await source.nthWatch(n)).end();
    await source.nthWatch(4);
    // Backoff 20, 40, 80, 80 ms (from 20 ms, doubling, at most 80 ms).
    assert.ok(Date.now() - started >= 200, `4 empty watches in ${Date.now() - started} ms`);
    await i.close();
  });

  it("an event with the resourceVersion already kept changes nothing", async () => {
    const source = new Source();
    const stored = source.put(cluster("a", "pg-1"));
    const i = informer(source).start();
    await i.waitForSync(1000);
    const before = i.store.get("a", "pg-1");
    (await source.nthWatch(0)).emit({ type: "MODIFIED", object: stored });
    assert.equal(i.store.get("a", "pg-1"), before, "the very same kept object");
    await i.close();
  });

  it("snapshot (watch: false): one list, no watch", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const i = informer(source, { watch: false }).start();
    assert.equal(await i.waitForSync(1000), true);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(source.watches.length, 0);
    assert.equal(source.lists.length, 1);
    await i.close();
  });

  it("snapshot refused for good (403) → gives up at once: waiting ends false, the reason is kept", async () => {
    const source = new Source();
    source.failList = new ApiError(403, { reason: "Forbidden", message: 'clusters.postgresql.k8s.enterprisedb.io is forbidden: User "u" cannot list' });
    const i = informer(source, { watch: false }).start();
    const started = Date.now();
    assert.equal(await i.waitForSync(5000), false);
    assert.ok(Date.now() - started < 1000);
    assert.match(i.notSyncedBecause, /403 Forbidden: clusters\.postgresql\.k8s\.enterprisedb\.io is forbidden/);
    assert.equal(await i.waitForSync(5000), false, "and at once for later callers");
    await i.close();
  });

  it("waiting for the sync ends with the caller's signal, and leaves nothing behind", async () => {
    const source = new Source();
    source.failList = new ApiError(500, { reason: "InternalError" });
    const i = informer(source, { watch: false }).start();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    assert.equal(await i.waitForSync(5000, controller.signal), false);
    await i.close();
  });

  it("close() stops listing and watching", async () => {
    const source = new Source();
    source.put(cluster("a", "pg-1"));
    const i = informer(source).start();
    await i.waitForSync(1000);
    await source.nthWatch(0);
    await i.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(source.watches.length, 1);
    assert.equal(source.lists.length, 1);
    assert.deepEqual(names(i), ["pg-1"], "what is cached stays readable");
  });
});
