// "Does Secret/Cluster/Backup X exist in namespace N, and what does it hold?", and "which Clusters and
// Backups, in any namespace, have index key K?" — the questions rules ask of the outside world,
// answered by the live API (with its watch caches), by manifest files, or by nobody.
import type { InformerEvent } from "./informer.js";
import type { CachedKind, ReferenceKind, ReferenceObject } from "./reference-kinds.js";
import type { Indexed, ObjectIndex } from "./store.js";

export type Lookup<T> =
  | { readonly state: "present"; readonly object: T }
  | { readonly state: "absent" }
  /** The answer is unknown (no cluster access, timeout, 403, 5xx...): `why` says which, for the warning. */
  | { readonly state: "unknown"; readonly why: string };

/**
 * What a lookup will read of the object, so that an answer read a moment ago may serve it: a Secret
 * that holds `keys`. Only a positive answer is ever reused, and only for what it says yes to
 * (README "References"); without a need, every lookup asks.
 */
export interface Need {
  readonly keys?: readonly string[];
}

export interface ReferenceResolver {
  /** Short description for logs and "could not verify" messages, e.g. "the Kubernetes API". */
  readonly source: string;
  /**
   * Looks one object up. Implementations answer `unknown` rather than throw, and stop work when
   * `signal` aborts (the admission's lookup deadline has passed).
   */
  lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string, signal: AbortSignal, need?: Need): Promise<Lookup<ReferenceObject<K>>>;
  /** Every Cluster and Backup, in any namespace, with `key` in `index`; `unknown` when the source cannot tell. */
  lookupIndex(index: ObjectIndex, key: string, signal: AbortSignal): Promise<IndexLookup>;
  /**
   * The answer `lookup` would give, when it is known without any I/O (no cluster, a file, a synced
   * cache); undefined when only a request can tell. An admission answered this way creates no abort
   * signal and no deadline timer, which cost more than the rest of its lookups (README "Performance").
   */
  known?<K extends ReferenceKind>(kind: K, namespace: string, name: string, need?: Need): Lookup<ReferenceObject<K>> | undefined;
  /** Likewise for `lookupIndex`. */
  knownIndex?(index: ObjectIndex, key: string): IndexLookup | undefined;
  /** Resolvers with watch caches: whether they have synced (the server is not ready before). */
  readonly caches?: CacheSync;
  /** Releases what the resolver holds (kept-alive connections, watches). */
  close(): void;
}

export interface CacheSync {
  /** undefined once every cache has synced; otherwise what is still missing, for /readyz. */
  pending(): string | undefined;
  /** Resolves true at the sync; false after `timeoutMs`, when `signal` aborts, or when syncing gave up. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Each cache: whether it is synced and current (else why not), and when it last learnt something. */
  health(): readonly CacheHealth[];
  /** Calls `listener` with every cache's events (lists, failures); returns the unsubscribe. */
  observe(listener: (event: InformerEvent) => void): () => void;
}

export interface CacheHealth {
  readonly kind: CachedKind;
  /** Synced, and its watch up (or down for less than the bound): what it says can be trusted. */
  readonly current: boolean;
  /** Why not, when it is not. */
  readonly why?: string;
  /** When it last learnt something (a list, an event, a bookmark), ms since the epoch. */
  readonly lastUpdate?: number;
}

/** What an index lookup answers: every object with the key (in any namespace), or why that is not known. */
export type IndexLookup = Exclude<Lookup<readonly Indexed[]>, { state: "absent" }>;

export type Present<T> = Extract<Lookup<T>, { state: "present" }>;
export type Unknown = Extract<Lookup<never>, { state: "unknown" }>;

export const present = <T>(object: T): Present<T> => ({ state: "present", object });
export const absent: Lookup<never> = { state: "absent" };
export const unknown = (why: string): Unknown => ({ state: "unknown", why });

/**
 * The gist of an `unknown` reason for a warning, which must fit in 120 characters after a long
 * field path: "forbidden: secrets \"x\" is forbidden: User ..." → "forbidden". The whole reason is logged.
 */
export const briefReason = (why: string): string => (why.split(":")[0] ?? why).replace(/ after .*$/, "");

/** A resolver that knows nothing, and says why: every reference is reported as not verified. */
export function unanswered(why: string): ReferenceResolver {
  const answer = unknown(why);
  return {
    source: why,
    lookup: async () => answer,
    lookupIndex: async () => answer,
    known: () => answer,
    knownIndex: () => answer,
    close: () => {},
  };
}

/** The resolver without any cluster. */
export const noCluster: ReferenceResolver = unanswered("no cluster");

const identity = (o: Indexed): string => `${o.kind}/${o.namespace}/${o.name}`;

/**
 * Tries resolvers in order: the first that knows (present or absent) wins, so the files given to
 * `validate` come first and a live cluster fills in what they lack. An index lookup asks every
 * resolver and joins what they found (the files' objects first); it is `unknown` only when nothing
 * was found and some resolver could not tell, since one object found is already an answer.
 */
export function chainResolvers(resolvers: readonly ReferenceResolver[]): ReferenceResolver {
  return {
    source: resolvers.map((r) => r.source).join(", then "),
    close: () => {
      for (const r of resolvers) r.close();
    },
    async lookup(kind, namespace, name, signal, need) {
      let last: Lookup<ReferenceObject<typeof kind>> = unknown("no source");
      for (const r of resolvers) {
        last = await r.lookup(kind, namespace, name, signal, need);
        if (last.state !== "unknown") return last;
      }
      return last;
    },
    async lookupIndex(index, key, signal) {
      return joinIndexAnswers(await Promise.all(resolvers.map((r) => r.lookupIndex(index, key, signal))));
    },
    known(kind, namespace, name, need) {
      let last: Lookup<ReferenceObject<typeof kind>> = unknown("no source");
      for (const r of resolvers) {
        const answer = r.known?.(kind, namespace, name, need);
        // This resolver needs a request: so does the chain, unless an earlier one already knew.
        if (answer === undefined) return undefined;
        last = answer;
        if (last.state !== "unknown") return last;
      }
      return last;
    },
    knownIndex(index, key) {
      const answers: IndexLookup[] = [];
      for (const r of resolvers) {
        const answer = r.knownIndex?.(index, key);
        if (answer === undefined) return undefined;
        answers.push(answer);
      }
      return joinIndexAnswers(answers);
    },
  };
}

/** The resolvers' index answers joined, in their order (see chainResolvers). */
function joinIndexAnswers(answers: readonly IndexLookup[]): IndexLookup {
  const found: Indexed[] = [];
  const seen = new Set<string>();
  for (const answer of answers) {
    if (answer.state !== "present") continue;
    // An object an earlier resolver has (the files) hides the later one's copy (the cluster's);
    // several documents of one object in one resolver (a Cluster twice in a batch) all stay.
    const fresh = answer.object.filter((o) => !seen.has(identity(o)));
    for (const o of fresh) seen.add(identity(o));
    found.push(...fresh);
  }
  const unknownAnswer = answers.find((a) => a.state === "unknown");
  return found.length === 0 && unknownAnswer ? unknownAnswer : present(found);
}
