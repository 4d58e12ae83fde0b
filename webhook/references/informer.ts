// A watch cache of one kind in all namespaces, in the way of client-go's reflector: list (in pages),
// then watch from the list's resourceVersion; a watch the server ends is resumed where it stopped, a
// `410 Gone` relists at once, any other failure relists after a short backoff (at most 1 s, and cut
// short by any answer of the API server: a relist follows its recovery within about a second). Only
// what rules read is kept (kinds.ts `keep`). Until the first list completes the cache is not synced;
// while its watch has been down past a bound it is not current: resolvers trust it in neither case
// (README "References").
import { isRecord } from "../formats/json.js";
import { Aborted, ApiError, type WatchEvent } from "./api.js";
import type { CachedKind, ReferenceObjects } from "./reference-kinds.js";
import { ObjectStore, storeKey } from "./store.js";

/** One page of a list: its items, the list's resourceVersion, and the token of the next page. */
export interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

/** How the informer reaches its kind (an API server, or a test's stand-in). */
export interface ListerWatcher {
  list(options: { limit: number; continue?: string }, signal: AbortSignal): Promise<ListPage>;
  /** Resolves when the server ends the watch; rejects when it fails; `signal` stops it. */
  watch(options: { resourceVersion: string; timeoutSeconds: number }, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<void>;
}

/** What the informer reports (logs, metrics). */
export type InformerEvent =
  | { readonly type: "synced"; readonly kind: CachedKind; readonly objects: number; readonly ms: number; readonly first: boolean }
  | { readonly type: "relist"; readonly kind: CachedKind; readonly reason: string }
  | { readonly type: "error"; readonly kind: CachedKind; readonly during: "list" | "watch"; readonly error: unknown; readonly retryInMs: number };

export interface InformerOptions<K extends CachedKind> {
  readonly kind: K;
  readonly source: ListerWatcher;
  readonly project: (raw: Record<string, unknown>) => ReferenceObjects[K];
  readonly observe?: (event: InformerEvent) => void;
  /** Items per list page (client-go's default is 500). */
  readonly pageSize?: number;
  /** Backoff after a failure: doubles from `minBackoffMs` up to `maxBackoffMs`, with ±20 % jitter. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Subscribes to "the API server answered" (any request): a relist waiting out its backoff goes at once. Returns the unsubscribe. */
  readonly wake?: (listener: () => void) => () => void;
  /** How long after its watch failed a cache that has not relisted since stops being current (default 5 s). */
  readonly staleAfterMs?: number;
  /** The server ends each watch after a random time in [t, 2t) (client-go: 5 minutes). */
  readonly watchTimeoutSeconds?: number;
  /** false: list once and never watch (a snapshot, for `validate` and `audit`). */
  readonly watch?: boolean;
}

/** Waits `ms`, or less: until `signal` aborts or `wake` calls back. */
const sleep = (ms: number, signal: AbortSignal, wake?: InformerOptions<CachedKind>["wake"]): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      unsubscribe?.();
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    const unsubscribe = wake?.(done);
  });

const isGone = (err: unknown): boolean => err instanceof ApiError && err.code === 410;

/** A watch ended on the server's `ERROR` event with this Status. */
class WatchErrorEvent extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class Informer<K extends CachedKind> {
  readonly store: ObjectStore<K>;
  readonly kind: K;
  private readonly stop = new AbortController();
  private syncedAt: number | undefined;
  private lastError: string | undefined;
  /** Callers of waitForSync, told at the first sync or when a snapshot gives up. */
  private readonly waiters = new Set<(synced: boolean) => void>();
  private running: Promise<void> | undefined;
  /** A snapshot that failed for good (401, 403, 404): nothing more will come. */
  private gaveUp = false;
  /** Lists done (first sync included) and watch events applied: tests and diagnostics. */
  readonly stats = { lists: 0, events: 0, watches: 0 };
  /** When the watch (or the relist after it) first failed; undefined while listed and watching. */
  private downSince: number | undefined;
  /** When the store last learnt something: a list, a watch event or a bookmark. */
  private updatedAt: number | undefined;

  constructor(private readonly options: InformerOptions<K>) {
    this.kind = options.kind;
    this.store = new ObjectStore(options.kind);
  }

  /** Starts listing and watching; idempotent. */
  start(): this {
    this.running ??= this.run();
    return this;
  }

  /** The first list has completed: the store holds every object as of then, and follows changes. */
  get synced(): boolean {
    return this.syncedAt !== undefined;
  }

  /** When the store last learnt something (a list, an event, a bookmark), ms since the epoch. */
  get lastUpdate(): number | undefined {
    return this.updatedAt;
  }

  /**
   * Why the synced cache is not known to be current, or undefined when it is: its watch has been down
   * (failing, with the relists after it) for longer than `staleAfterMs`. Changes made since may be
   * missing: what depends on them is "could not verify" until a relist succeeds.
   */
  staleBecause(now = Date.now()): string | undefined {
    if (this.downSince === undefined || now - this.downSince < (this.options.staleAfterMs ?? 5000)) return undefined;
    return `${this.kind} cache not current: its watch has been down for ${Math.round((now - this.downSince) / 1000)} s (${this.lastError ?? "failed"})`;
  }

  /** Why the cache is not synced yet (the last list error), for "could not verify" and /readyz. */
  get notSyncedBecause(): string {
    return this.lastError ? `${this.kind} cache not synced: ${this.lastError}` : `${this.kind} cache not synced yet`;
  }

  /** Resolves true at the first sync; false after `timeoutMs`, when `signal` aborts, or when a snapshot gave up. */
  waitForSync(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.gaveUp || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (synced: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(done);
        resolve(synced);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(onAbort, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(done);
    });
  }

  private settleWaiters(synced: boolean): void {
    for (const done of [...this.waiters]) done(synced);
  }

  /** Stops watching; what is cached stays readable. */
  async close(): Promise<void> {
    this.stop.abort();
    this.settleWaiters(this.synced);
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    // client-go's reflector backs off up to 30 s; so long a wait after the API server is back is so
    // long a cache answers "could not verify" (or wrongly, with a stale cache): a list a second is cheap.
    const min = this.options.minBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 1000;
    let backoff = min;
    while (!signal.aborted) {
      let during: "list" | "watch" = "list";
      try {
        let resourceVersion = await this.relist(signal);
        // close() may have come while the last page was being read: a listener added to an aborted
        // signal never fires, so a watch opened now would never be stopped.
        if (this.options.watch === false || signal.aborted) return;
        during = "watch";
        for (;;) {
          const started = Date.now();
          const { resourceVersion: next, events } = await this.watchOnce(resourceVersion, signal);
          if (signal.aborted) return;
          resourceVersion = next;
          // A watch that ran a while or brought news proves the connection healthy.
          if (events > 0 || Date.now() - started > 10_000) backoff = min;
          else {
            // Ended at once with nothing: do not hammer a server (or proxy) that closes every watch.
            await sleep(backoff, signal);
            backoff = Math.min(max, backoff * 2);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err) || (err instanceof WatchErrorEvent && err.code === 410)) {
          this.options.observe?.({ type: "relist", kind: this.kind, reason: "410 Gone: the resourceVersion is too old" });
          continue;
        }
        this.lastError = describe(err);
        this.downSince ??= Date.now();
        // A snapshot is taken for one command: credentials or permissions that fail will not change during it.
        if (this.options.watch === false && err instanceof ApiError && [401, 403, 404].includes(err.code)) {
          this.gaveUp = true;
          this.settleWaiters(false);
          this.options.observe?.({ type: "error", kind: this.kind, during, error: err, retryInMs: -1 });
          return;
        }
        const retryInMs = Math.round(backoff * (0.8 + 0.4 * Math.random()));
        this.options.observe?.({ type: "error", kind: this.kind, during, error: err, retryInMs });
        await sleep(retryInMs, signal, this.options.wake);
        backoff = Math.min(max, backoff * 2);
        if (during === "watch") this.options.observe?.({ type: "relist", kind: this.kind, reason: `watch failed: ${this.lastError}` });
      }
    }
  }

  /** Lists every page, then replaces the store's content at once; returns the list's resourceVersion. */
  private async relist(signal: AbortSignal): Promise<string> {
    const started = Date.now();
    const objects = new Map<string, { namespace: string; name: string; object: ReferenceObjects[K] }>();
    let token: string | undefined;
    let resourceVersion = "";
    for (;;) {
      let page: ListPage;
      try {
        page = await this.options.source.list({ limit: this.options.pageSize ?? 500, ...(token ? { continue: token } : {}) }, signal);
      } catch (err) {
        // The continue token expired between pages (410): the list starts over, from its first page
        // (a `continue` here must not reach a loop condition that reads the cleared token as "done").
        if (token !== undefined && isGone(err)) {
          objects.clear();
          token = undefined;
          continue;
        }
        throw err;
      }
      for (const item of page.items) this.add(objects, item);
      resourceVersion = page.resourceVersion;
      token = page.continue || undefined;
      if (token === undefined) break;
      // Stopped between pages: a partial list must not replace the store nor count as a sync.
      if (signal.aborted) throw new Aborted("stopped while listing");
    }
    this.store.replace(objects);
    this.stats.lists++;
    const first = this.syncedAt === undefined;
    this.syncedAt = this.updatedAt = Date.now();
    this.downSince = this.lastError = undefined;
    this.settleWaiters(true);
    this.options.observe?.({ type: "synced", kind: this.kind, objects: this.store.size, ms: Date.now() - started, first });
    return resourceVersion;
  }

  private add(into: Map<string, { namespace: string; name: string; object: ReferenceObjects[K] }>, item: unknown): void {
    const identity = identityOf(item);
    if (!identity) return;
    into.set(storeKey(identity.namespace, identity.name), { ...identity, object: this.options.project(item as Record<string, unknown>) });
  }

  /**
   * One watch, from `resourceVersion` until the server ends it. A stream that stays silent past the
   * server's own timeout (a connection that died without a FIN) is cut off and counts as a failure.
   */
  private async watchOnce(resourceVersion: string, signal: AbortSignal): Promise<{ resourceVersion: string; events: number }> {
    if (signal.aborted) return { resourceVersion, events: 0 };
    const base = this.options.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.round(base * (1 + Math.random()));
    const watch = new AbortController();
    const onStop = () => watch.abort();
    signal.addEventListener("abort", onStop, { once: true });
    const stalled = setTimeout(() => watch.abort(), (timeoutSeconds + 30) * 1000);
    let latest = resourceVersion;
    let events = 0;
    let ended: WatchErrorEvent | undefined;
    this.stats.watches++;
    try {
      await this.options.source.watch({ resourceVersion, timeoutSeconds }, watch.signal, (event) => {
        if (ended) return;
        const object = isRecord(event.object) ? event.object : {};
        if (event.type === "ERROR") {
          const code = typeof object.code === "number" ? object.code : undefined;
          ended = new WatchErrorEvent(code, `${code ?? "error"} ${typeof object.reason === "string" ? object.reason : ""}`.trim());
          watch.abort();
          return;
        }
        const rv = isRecord(object.metadata) && typeof object.metadata.resourceVersion === "string" ? object.metadata.resourceVersion : undefined;
        if (rv) latest = rv;
        this.updatedAt = Date.now();
        if (event.type === "BOOKMARK") return;
        const identity = identityOf(object);
        if (!identity) return;
        events++;
        this.stats.events++;
        if (event.type === "DELETED") this.store.delete(identity.namespace, identity.name);
        else if (event.type === "ADDED" || event.type === "MODIFIED") {
          if (rv === undefined || rv !== this.store.resourceVersion(identity.namespace, identity.name))
            this.store.upsert(identity.namespace, identity.name, this.options.project(object));
        }
      });
    } catch (err) {
      if (ended) throw ended;
      if (signal.aborted) return { resourceVersion: latest, events };
      if (watch.signal.aborted) throw new Error(`watch silent for ${timeoutSeconds + 30} s`);
      throw err;
    } finally {
      clearTimeout(stalled);
      signal.removeEventListener("abort", onStop);
    }
    if (ended) throw ended;
    return { resourceVersion: latest, events };
  }
}

function identityOf(object: unknown): { namespace: string; name: string } | undefined {
  const metadata = isRecord(object) && isRecord(object.metadata) ? object.metadata : undefined;
  const name = metadata?.name;
  const namespace = metadata?.namespace;
  return typeof name === "string" && typeof namespace === "string" ? { namespace, name } : undefined;
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return err.status?.message ? `${err.code} ${err.status.reason ?? ""}: ${err.status.message}`.replace(/ :/, ":") : err.message;
  return err instanceof Error ? err.message : String(err);
}
