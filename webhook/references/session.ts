// The lookups of one admission: each object (and each index key) fetched at most once, all of them
// bounded by one deadline. Rules look up in `gather`; what a gather returns is what its `check` reads.
import type { ReferenceKind, ReferenceObject } from "./reference-kinds.js";
import { unknown, type IndexLookup, type Lookup, type Need, type ReferenceResolver } from "./resolver.js";
import type { ObjectIndex } from "./store.js";

/**
 * Observes every finished lookup (metrics, logs); never sees Secret contents beyond key names. An
 * index lookup is reported as kind `index/<name>`, namespace "*" and the key as the name.
 */
export type LookupObserver = (
  kind: ReferenceKind | `index/${string}`,
  namespace: string,
  name: string,
  outcome: Lookup<unknown>["state"],
  why?: string,
) => void;

/** What a rule's `gather` may do: start a lookup in the admission's namespace, or of an index across all namespaces. */
export interface Lookups {
  /** `need`: what the rule will read of it (a Secret's keys), so that an answer read a moment ago may do. */
  lookup<K extends ReferenceKind>(kind: K, name: string, need?: Need): Promise<Lookup<ReferenceObject<K>>>;
  lookupIndex(index: ObjectIndex, key: string): Promise<IndexLookup>;
}

/** A lookup with another need is another lookup: an answer reused for one need may not hold the keys of the other. */
const key = (kind: ReferenceKind, name: string, need?: Need): string => `${kind}/${name}${need?.keys ? `\u0000${need.keys.join("\u0000")}` : ""}`;
const indexKey = (index: ObjectIndex, k: string): string => `index/${index.name}\u0000${k}`;

export class ReferenceSession implements Lookups {
  private readonly pending = new Map<string, Promise<Lookup<unknown>>>();
  /**
   * One controller per lookup still running, so that a resolver's abort listener sits on a signal of
   * its own (a shared signal would collect a listener per lookup, and `AbortSignal.any` to avoid that
   * is what leaked memory on Node 20, nodejs/node#55328). The deadline aborts them all.
   */
  private readonly running = new Set<AbortController>();
  // Created with the first lookup: most admissions look nothing up, and these are not free.
  private deadline: Promise<Lookup<never>> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private expired = false;

  constructor(
    private readonly resolver: ReferenceResolver,
    readonly namespace: string,
    private readonly timeoutMs: number,
    private readonly observe?: LookupObserver,
  ) {}

  private deadlineOnce(): Promise<Lookup<never>> {
    this.deadline ??= new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.expired = true;
        this.abortRunning(`lookups timed out after ${this.timeoutMs} ms`);
        resolve(unknown(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    return this.deadline;
  }

  private abortRunning(why: string): void {
    for (const controller of this.running) controller.abort(new Error(why));
    this.running.clear();
  }

  /**
   * Starts `run` once per key under the admission's deadline. An answer the resolver knows without
   * I/O (`known`) settles at once: no signal, no deadline timer.
   */
  private start<T extends Lookup<unknown>>(
    k: string,
    known: () => T | undefined,
    run: (signal: AbortSignal) => Promise<T>,
    report: (found: T) => void,
  ): Promise<T> {
    const pending = this.pending.get(k) as Promise<T> | undefined;
    if (pending) return pending;
    const answer = known();
    if (answer !== undefined) {
      report(answer);
      const settled = Promise.resolve(answer);
      this.pending.set(k, settled);
      return settled;
    }
    const deadline = this.deadlineOnce();
    const controller = new AbortController();
    if (this.expired) controller.abort(new Error(`lookups timed out after ${this.timeoutMs} ms`));
    else this.running.add(controller);
    const attempt = run(controller.signal)
      .catch((err: unknown) => unknown(err instanceof Error ? err.message : String(err)) as T)
      .finally(() => this.running.delete(controller));
    const result = Promise.race([attempt, deadline as Promise<T>]).then((found) => {
      report(found);
      return found;
    });
    this.pending.set(k, result);
    return result;
  }

  lookup<K extends ReferenceKind>(kind: K, name: string, need?: Need): Promise<Lookup<ReferenceObject<K>>> {
    return this.start(
      key(kind, name, need),
      () => this.resolver.known?.(kind, this.namespace, name, need),
      (signal) => this.resolver.lookup(kind, this.namespace, name, signal, need),
      (found) => this.observe?.(kind, this.namespace, name, found.state, found.state === "unknown" ? found.why : undefined),
    );
  }

  lookupIndex(index: ObjectIndex, k: string): Promise<IndexLookup> {
    return this.start(
      indexKey(index, k),
      () => this.resolver.knownIndex?.(index, k),
      (signal) => this.resolver.lookupIndex(index, k, signal),
      (found) => this.observe?.(`index/${index.name}`, "*", k, found.state, found.state === "unknown" ? found.why : undefined),
    );
  }

  /** Ends the admission's lookups: cancels anything still in flight. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    // An abort costs an Error (a stack trace) and an event dispatch: only for lookups still running.
    if (this.running.size > 0) this.abortRunning("admission finished");
  }
}
