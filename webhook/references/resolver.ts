// "Does Secret/Cluster/Backup X exist in namespace N, and what does it hold?" — the one question
// rules ask of the outside world, answered by the live API, by manifest files, or by nobody.
import type { ReferenceKind, ReferenceObject } from "./kinds.js";

export type Lookup<T> =
  | { readonly state: "present"; readonly object: T }
  | { readonly state: "absent" }
  /** The answer is unknown (no cluster access, timeout, 403, 5xx...): `why` says which, for the warning. */
  | { readonly state: "unknown"; readonly why: string };

export interface ReferenceResolver {
  /** Short description for logs and "could not verify" messages, e.g. "the Kubernetes API". */
  readonly source: string;
  /**
   * Looks one object up. Implementations answer `unknown` rather than throw, and stop work when
   * `signal` aborts (the admission's lookup deadline has passed).
   */
  lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string, signal: AbortSignal): Promise<Lookup<ReferenceObject<K>>>;
  /** Releases what the resolver holds (kept-alive connections to the API server). */
  close(): void;
}

export const present = <T>(object: T): Lookup<T> => ({ state: "present", object });
export const absent: Lookup<never> = { state: "absent" };
export const unknown = (why: string): Lookup<never> => ({ state: "unknown", why });

/**
 * The gist of an `unknown` reason for a warning, which must fit in 120 characters after a long
 * field path: "forbidden: secrets \"x\" is forbidden: User ..." → "forbidden". The whole reason is logged.
 */
export const briefReason = (why: string): string => (why.split(":")[0] ?? why).replace(/ after .*$/, "");

/** The resolver without any cluster: every reference is reported as not verified. */
export const noCluster: ReferenceResolver = {
  source: "no cluster",
  lookup: async () => unknown("no cluster"),
  close: () => {},
};

/**
 * Tries resolvers in order: the first that knows (present or absent) wins, so the files given to
 * `validate` come first and a live cluster fills in what they lack.
 */
export function chainResolvers(resolvers: readonly ReferenceResolver[]): ReferenceResolver {
  return {
    source: resolvers.map((r) => r.source).join(", then "),
    close: () => {
      for (const r of resolvers) r.close();
    },
    async lookup(kind, namespace, name, signal) {
      let last: Lookup<ReferenceObject<typeof kind>> = unknown("no source");
      for (const r of resolvers) {
        last = await r.lookup(kind, namespace, name, signal);
        if (last.state !== "unknown") return last;
      }
      return last;
    },
  };
}
