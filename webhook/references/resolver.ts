// "Does Secret/Cluster/Backup X exist in namespace N, and what does it hold?" — the one question
// rules ask of the outside world, answered by the live API, by manifest files, or by nobody.
import type { Backup, Cluster } from "../../generated/types/index.js";

export type Lookup<T> =
  | { readonly state: "present"; readonly object: T }
  | { readonly state: "absent" }
  /** The answer is unknown (no cluster access, timeout, 403, 5xx...): `why` says which, for the warning. */
  | { readonly state: "unknown"; readonly why: string };

/** All that is ever kept of a Secret: its name and key names. Values never leave the resolver. */
export interface SecretKeys {
  readonly name: string;
  readonly keys: readonly string[];
}

export type ReferenceKind = "Secret" | "Cluster" | "Backup";

export interface ReferenceResolver {
  /** Short description for logs and "could not verify" messages, e.g. "the Kubernetes API". */
  readonly source: string;
  /**
   * Looks one object up. Implementations answer `unknown` rather than throw, and stop work when
   * `signal` aborts (the admission's lookup deadline has passed).
   */
  secret(namespace: string, name: string, signal: AbortSignal): Promise<Lookup<SecretKeys>>;
  cluster(namespace: string, name: string, signal: AbortSignal): Promise<Lookup<Cluster>>;
  backup(namespace: string, name: string, signal: AbortSignal): Promise<Lookup<Backup>>;
  /** Releases what the resolver holds (kept-alive connections to the API server). */
  close?(): void;
}

/**
 * The gist of an `unknown` reason for a warning, which must fit in 120 characters after a long
 * field path: "forbidden: secrets \"x\" is forbidden: User ..." → "forbidden". The whole reason is logged.
 */
export const briefReason = (why: string): string => (why.split(":")[0] ?? why).replace(/ after .*$/, "");

export const present = <T>(object: T): Lookup<T> => ({ state: "present", object });
export const absent: Lookup<never> = { state: "absent" };
export const unknown = (why: string): Lookup<never> => ({ state: "unknown", why });

/** The resolver without any cluster: every reference is reported as not verified. */
export const noCluster: ReferenceResolver = {
  source: "no cluster",
  secret: async () => unknown("no cluster"),
  cluster: async () => unknown("no cluster"),
  backup: async () => unknown("no cluster"),
};

/**
 * Tries resolvers in order: the first that knows (present or absent) wins, so the files given to
 * `validate` come first and a live cluster fills in what they lack.
 */
export function chainResolvers(resolvers: readonly ReferenceResolver[]): ReferenceResolver {
  const ask =
    <T>(pick: (r: ReferenceResolver) => (ns: string, name: string, signal: AbortSignal) => Promise<Lookup<T>>) =>
    async (ns: string, name: string, signal: AbortSignal): Promise<Lookup<T>> => {
      let last: Lookup<T> = unknown("no source");
      for (const r of resolvers) {
        last = await pick(r).call(r, ns, name, signal);
        if (last.state !== "unknown") return last;
      }
      return last;
    };
  return {
    source: resolvers.map((r) => r.source).join(", then "),
    close: () => resolvers.forEach((r) => r.close?.()),
    secret: ask((r) => r.secret),
    cluster: ask((r) => r.cluster),
    backup: ask((r) => r.backup),
  };
}

/** The settled lookups of one admission, as rules read them: synchronously, no I/O. */
export interface ResolvedReferences {
  secret(name: string): Lookup<SecretKeys>;
  cluster(name: string): Lookup<Cluster>;
  backup(name: string): Lookup<Backup>;
}

/** Observes every finished lookup (metrics, logs); never sees Secret contents beyond key names. */
export type LookupObserver = (kind: ReferenceKind, namespace: string, name: string, outcome: Lookup<unknown>["state"], why?: string) => void;

/**
 * The lookups of one admission: each object fetched at most once, all of them bounded by one
 * deadline. Rules read the results synchronously once `gather` has run.
 */
export class ReferenceSession {
  private readonly results = new Map<string, Promise<Lookup<unknown>>>();
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
      const controller = (this.controller = new AbortController());
      this.deadline = new Promise((resolve) => {
        this.timer = setTimeout(() => {
          controller.abort(new Error(`lookups timed out after ${this.timeoutMs} ms`));
          resolve(unknown(`timed out after ${this.timeoutMs} ms`));
        }, this.timeoutMs);
      });
    }
    return { signal: this.controller.signal, deadline: this.deadline };
  }

  private fetch<T>(kind: ReferenceKind, name: string, call: (signal: AbortSignal) => Promise<Lookup<T>>): Promise<Lookup<T>> {
    const key = `${kind}/${name}`;
    let pending = this.results.get(key) as Promise<Lookup<T>> | undefined;
    if (!pending) {
      const { signal, deadline } = this.start();
      const attempt = call(signal).catch((err: unknown) => unknown(err instanceof Error ? err.message : String(err)));
      pending = Promise.race([attempt, deadline]).then((result) => {
        this.settled.set(key, result);
        this.observe?.(kind, this.namespace, name, result.state, result.state === "unknown" ? result.why : undefined);
        return result;
      });
      this.results.set(key, pending as Promise<Lookup<unknown>>);
    }
    return pending;
  }

  secret(name: string): Promise<Lookup<SecretKeys>> {
    return this.fetch("Secret", name, (signal) => this.resolver.secret(this.namespace, name, signal));
  }
  cluster(name: string): Promise<Lookup<Cluster>> {
    return this.fetch("Cluster", name, (signal) => this.resolver.cluster(this.namespace, name, signal));
  }
  backup(name: string): Promise<Lookup<Backup>> {
    return this.fetch("Backup", name, (signal) => this.resolver.backup(this.namespace, name, signal));
  }

  /** The settled result of a lookup made earlier in this admission. */
  private get<T>(kind: ReferenceKind, name: string): Lookup<T> {
    return (this.settled.get(`${kind}/${name}`) as Lookup<T> | undefined) ?? unknown("not looked up");
  }

  readonly resolved: ResolvedReferences = {
    secret: (name) => this.get("Secret", name),
    cluster: (name) => this.get("Cluster", name),
    backup: (name) => this.get("Backup", name),
  };

  /** Ends the admission's lookups: cancels anything still in flight. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    // An abort costs an Error (a stack trace) and an event dispatch: only for lookups still running.
    if (this.settled.size < this.results.size && this.controller && !this.controller.signal.aborted) this.controller.abort(new Error("admission finished"));
  }
}
