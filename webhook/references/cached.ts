// The cluster as the webhook sees it (README "References"): Clusters and Backups from caches that list
// and watch all namespaces, as controller-runtime's cached client does; a name the cache does not know
// is read through with one GET (it may have been created a moment ago); Secrets are read with `get`
// only. Before the caches have synced, and while one is not current (its watch down past a bound),
// every name is a GET and every index lookup is "could not verify": never a verdict from a stale cache.
import { Aborted, type KubeApi } from "./api.js";
import { Informer, type InformerEvent, type ListerWatcher, type ListPage } from "./informer.js";
import { CACHED_KINDS, collectionPath, keep, type CachedKind, type ReferenceKind, type ReferenceObject } from "./reference-kinds.js";
import type { KubeResolver } from "./kube.js";
import { isRecord } from "../formats/json.js";
import { present, unknown, type CacheHealth, type CacheSync, type IndexLookup, type Lookup, type Need, type ReferenceResolver } from "./resolver.js";
import type { ObjectIndex } from "./store.js";

/** A page that takes longer than this is given up (and the list retried): a hung list must not stall a cache for ever. */
const LIST_PAGE_TIMEOUT_MS = 60_000;

/** Runs `run` under `signal` and a timeout of its own, without `AbortSignal.any` (README "Performance"). */
async function bounded<T>(signal: AbortSignal, timeoutMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await run(controller.signal);
  } catch (err) {
    if (err instanceof Aborted && !signal.aborted) throw new Error(`list page timed out after ${timeoutMs / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

/** A kind's collection in all namespaces, listed in pages and watched with bookmarks. */
function apiListerWatcher(api: KubeApi, kind: CachedKind): ListerWatcher {
  const path = collectionPath(kind);
  return {
    async list({ limit, continue: token }, signal): Promise<ListPage> {
      const body = await bounded(signal, LIST_PAGE_TIMEOUT_MS, (s) => api.getJSON(path, s, { limit: String(limit), continue: token }));
      // An answer that is not a list (`200 {}`, another kind) would empty the cache: it is a failure.
      if (!isRecord(body) || !Array.isArray(body.items) || !isRecord(body.metadata))
        throw new Error(`the API server answered the list of ${kind}s with something other than a list`);
      const metadata = body.metadata;
      return {
        items: body.items,
        resourceVersion: typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : "",
        ...(typeof metadata.continue === "string" && metadata.continue !== "" ? { continue: metadata.continue } : {}),
      };
    },
    watch({ resourceVersion, timeoutSeconds }, signal, onEvent) {
      return api.watch(path, { resourceVersion, timeoutSeconds: String(timeoutSeconds), allowWatchBookmarks: "true" }, signal, onEvent);
    },
  };
}

export interface CachedResolverOptions {
  /** false: list once and keep that (a snapshot for `validate` and `audit`); true: list and watch. */
  readonly watch: boolean;
  readonly observe?: (event: InformerEvent) => void;
  /** Items per list page. */
  readonly pageSize?: number;
  /** How long after its watch failed a cache stops being current (default 5 s; tests make it short). */
  readonly staleAfterMs?: number;
  /** How each kind is listed and watched (default: the API behind `direct`). */
  readonly sources?: { readonly [K in CachedKind]?: ListerWatcher };
}

export class CachedResolver implements ReferenceResolver {
  readonly source: string;
  readonly informers: { readonly [K in CachedKind]: Informer<K> };
  readonly caches: CacheSync;
  private readonly watching: boolean;
  private readonly observers = new Set<(event: InformerEvent) => void>();

  constructor(
    private readonly direct: KubeResolver,
    options: CachedResolverOptions,
  ) {
    const informer = <K extends CachedKind>(kind: K): Informer<K> =>
      new Informer({
        kind,
        source: options.sources?.[kind] ?? apiListerWatcher(direct.api, kind),
        project: keep[kind],
        watch: options.watch,
        wake: (listener) => direct.api.onAnswer(listener),
        observe: (event) => {
          for (const observer of this.observers) observer(event);
        },
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
      });
    if (options.observe) this.observers.add(options.observe);
    this.informers = { Cluster: informer("Cluster"), Backup: informer("Backup") };
    this.watching = options.watch;
    this.source = `${direct.source}, Clusters and Backups ${options.watch ? "from watch caches" : "listed once"}`;
    this.caches = {
      pending: () => {
        const missing = CACHED_KINDS.filter((k) => !this.informers[k].synced).map((k) => this.informers[k].notSyncedBecause);
        return missing.length ? missing.join("; ") : undefined;
      },
      wait: async (timeoutMs, signal) => (await Promise.all(CACHED_KINDS.map((k) => this.informers[k].waitForSync(timeoutMs, signal)))).every(Boolean),
      health: () => CACHED_KINDS.map((kind) => this.health(kind)),
      observe: (listener) => {
        this.observers.add(listener);
        return () => this.observers.delete(listener);
      },
    };
  }

  private health(kind: CachedKind): CacheHealth {
    const informer: Informer<CachedKind> = this.informers[kind];
    const why = informer.synced ? informer.staleBecause() : informer.notSyncedBecause;
    const lastUpdate = informer.lastUpdate;
    return { kind, current: why === undefined, ...(why ? { why } : {}), ...(lastUpdate !== undefined ? { lastUpdate } : {}) };
  }

  /** Why some cache cannot be trusted now (not synced, or not current), or undefined. */
  private untrusted(): string | undefined {
    const reasons = CACHED_KINDS.map((k) => this.health(k).why).filter((why) => why !== undefined);
    return reasons.length ? reasons.join("; ") : undefined;
  }

  /** Starts listing (and watching); lookups work before the caches sync, through GETs. */
  start(): this {
    for (const kind of CACHED_KINDS) this.informers[kind].start();
    return this;
  }

  async lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string, signal: AbortSignal, need?: Need): Promise<Lookup<ReferenceObject<K>>> {
    // A snapshot is being taken for this very command: worth waiting for (within the lookup's deadline).
    // The server does not wait: until its caches sync, it reads through.
    if (!this.watching && (kind === "Cluster" || kind === "Backup")) {
      const informer: Informer<CachedKind> = this.informers[kind as CachedKind];
      if (!informer.synced) await informer.waitForSync(LIST_PAGE_TIMEOUT_MS, signal);
    }
    return this.known(kind, namespace, name, need) ?? this.direct.lookup(kind, namespace, name, signal, need);
  }

  /** No API call for an object the synced cache knows; a name it does not know may be a moment old, so is read through. */
  known<K extends ReferenceKind>(kind: K, namespace: string, name: string, need?: Need): Lookup<ReferenceObject<K>> | undefined {
    if (kind === "Cluster" || kind === "Backup") {
      const informer: Informer<CachedKind> = this.informers[kind as CachedKind];
      // Not current: what it holds may have been deleted or changed since; the GET knows.
      const cached = informer.synced && informer.staleBecause() === undefined ? informer.store.get(namespace, name) : undefined;
      if (cached) return present(cached as ReferenceObject<K>);
    }
    return this.direct.known(kind, namespace, name, need);
  }

  /**
   * Without synced caches the answer is not known. A snapshot (validate, audit) is waited for within the
   * deadline; the server does not wait, or every Cluster admission would take the whole lookup timeout
   * while the API is down.
   */
  async lookupIndex(index: ObjectIndex, key: string, signal: AbortSignal): Promise<IndexLookup> {
    if (!this.watching && this.caches.pending() !== undefined) await this.caches.wait(LIST_PAGE_TIMEOUT_MS, signal);
    return this.indexAnswer(index, key);
  }

  /** The index answer from the caches, unless a snapshot is still to be waited for. */
  knownIndex(index: ObjectIndex, key: string): IndexLookup | undefined {
    return !this.watching && this.caches.pending() !== undefined ? undefined : this.indexAnswer(index, key);
  }

  private indexAnswer(index: ObjectIndex, key: string): IndexLookup {
    const untrusted = this.untrusted();
    if (untrusted) return unknown(untrusted);
    return present([...this.informers.Cluster.store.indexes.lookup(index, key), ...this.informers.Backup.store.indexes.lookup(index, key)]);
  }

  close(): void {
    for (const kind of CACHED_KINDS) void this.informers[kind].close();
    this.direct.close();
  }
}
