// The lookups of one admission: each object fetched at most once, all of them bounded by one
// deadline. Rules start lookups in `gather` and read the settled results synchronously in `check`.
import type { ReferenceKind, ReferenceObject } from "./kinds.js";
import { unknown, type Lookup, type ReferenceResolver } from "./resolver.js";

/** Observes every finished lookup (metrics, logs); never sees Secret contents beyond key names. */
export type LookupObserver = (kind: ReferenceKind, namespace: string, name: string, outcome: Lookup<unknown>["state"], why?: string) => void;

/** What a rule's `gather` may do: start a lookup in the admission's namespace. */
export interface Lookups {
  lookup<K extends ReferenceKind>(kind: K, name: string): Promise<Lookup<ReferenceObject<K>>>;
}

/** What a rule's `check` may read: lookups gathered earlier in the same admission. */
export interface ResolvedReferences {
  get<K extends ReferenceKind>(kind: K, name: string): Lookup<ReferenceObject<K>>;
}

/**
 * A rule read a reference its `gather` never asked for: a bug in the rule. It surfaces as the rule's
 * failure (HTTP 500 naming the rule, and a failing test), never as a quiet "could not verify".
 */
export class NotGathered extends Error {
  constructor(kind: ReferenceKind, name: string) {
    super(`${kind} ${JSON.stringify(name)} was read but never gathered`);
  }
}

const key = (kind: ReferenceKind, name: string): string => `${kind}/${name}`;

export class ReferenceSession implements Lookups {
  private readonly pending = new Map<string, Promise<Lookup<unknown>>>();
  private readonly settled = new Map<string, Lookup<unknown>>();
  // Created with the first lookup: most admissions look nothing up, and these are not free.
  private controller: AbortController | undefined;
  private deadline: Promise<Lookup<never>> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly resolver: ReferenceResolver,
    readonly namespace: string,
    private readonly timeoutMs: number,
    private readonly observe?: LookupObserver,
  ) {}

  private start(): { signal: AbortSignal; deadline: Promise<Lookup<never>> } {
    if (!this.controller || !this.deadline) {
      const controller = new AbortController();
      this.controller = controller;
      this.deadline = new Promise((resolve) => {
        this.timer = setTimeout(() => {
          controller.abort(new Error(`lookups timed out after ${this.timeoutMs} ms`));
          resolve(unknown(`timed out after ${this.timeoutMs} ms`));
        }, this.timeoutMs);
      });
    }
    return { signal: this.controller.signal, deadline: this.deadline };
  }

  lookup<K extends ReferenceKind>(kind: K, name: string): Promise<Lookup<ReferenceObject<K>>> {
    const k = key(kind, name);
    const known = this.pending.get(k) as Promise<Lookup<ReferenceObject<K>>> | undefined;
    if (known) return known;
    const { signal, deadline } = this.start();
    const attempt = this.resolver.lookup(kind, this.namespace, name, signal).catch((err: unknown) => unknown(err instanceof Error ? err.message : String(err)));
    const result = Promise.race([attempt, deadline]).then((found) => {
      this.settled.set(k, found);
      this.observe?.(kind, this.namespace, name, found.state, found.state === "unknown" ? found.why : undefined);
      return found;
    });
    this.pending.set(k, result);
    return result;
  }

  /** The settled lookups, for the rules' checks. */
  readonly resolved: ResolvedReferences = {
    get: <K extends ReferenceKind>(kind: K, name: string): Lookup<ReferenceObject<K>> => {
      const found = this.settled.get(key(kind, name));
      if (!found) throw new NotGathered(kind, name);
      return found as Lookup<ReferenceObject<K>>;
    },
  };

  /** Ends the admission's lookups: cancels anything still in flight. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    // An abort costs an Error (a stack trace) and an event dispatch: only for lookups still running.
    if (this.settled.size < this.pending.size && this.controller && !this.controller.signal.aborted) this.controller.abort(new Error("admission finished"));
  }
}
