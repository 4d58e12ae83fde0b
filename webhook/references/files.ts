// The files given to `validate` as cluster state: their Secrets, Clusters and Backups.
import { isRecord } from "../formats/json.js";
import { CACHED_KINDS, REFERENCE_KIND_NAMES, apiVersionOf, keep, type CachedKind, type ReferenceKind, type ReferenceObject } from "./reference-kinds.js";
import { present, unknown, type IndexLookup, type Lookup, type ReferenceResolver } from "./resolver.js";
import { IndexedEntries, type Indexed, type ObjectIndex } from "./store.js";

export interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  [k: string]: unknown;
}

/** Where an object lives: its namespace, or the one `validate` assumes for objects without one. */
export const namespaceOf = (object: ObjectLike, fallback: string): string =>
  isRecord(object.metadata) && typeof object.metadata.namespace === "string" && object.metadata.namespace !== "" ? object.metadata.namespace : fallback;

const referenceKindOf = (o: ObjectLike): ReferenceKind | undefined => REFERENCE_KIND_NAMES.find((k) => o.kind === k && o.apiVersion === apiVersionOf(k));
const isCachedKind = (kind: ReferenceKind): kind is CachedKind => (CACHED_KINDS as readonly string[]).includes(kind);

export class ManifestResolver implements ReferenceResolver {
  readonly source = "the given files";
  private readonly objects = new Map<string, unknown>();
  /** Every Cluster and Backup document, the same object twice included: the index answers with all of them. */
  private readonly documents: Indexed[] = [];
  private readonly indexes = new IndexedEntries(() => this.documents);
  /** The namespaces each kind/name is in, to say so when a lookup misses only by namespace. */
  private readonly namespaces = new Map<string, string[]>();

  constructor(objects: readonly ObjectLike[], defaultNamespace: string) {
    for (const o of objects) {
      const kind = referenceKindOf(o);
      const name = isRecord(o.metadata) ? o.metadata.name : undefined;
      if (!kind || typeof name !== "string") continue;
      const namespace = namespaceOf(o, defaultNamespace);
      // What is kept is what the live resolvers keep (kinds.ts): rules see the same in `validate` and in the server.
      const kept = keep[kind](o as Record<string, unknown>);
      // A Cluster in the files is one to be created: what the operator has done with it (status) is unknown.
      if (kind === "Cluster") delete (kept as ReferenceObject<"Cluster">).status;
      this.objects.set(`${kind}/${namespace}/${name}`, kept);
      if (isCachedKind(kind)) this.documents.push({ kind, namespace, name, object: kept } as Indexed);
      this.namespaces.set(`${kind}/${name}`, [...(this.namespaces.get(`${kind}/${name}`) ?? []), namespace]);
    }
  }

  // A file set is never the whole cluster: what it lacks is unverified, not absent (README "References").
  async lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string): Promise<Lookup<ReferenceObject<K>>> {
    return this.known(kind, namespace, name);
  }

  /** Files need no I/O once read: every answer is known. */
  known<K extends ReferenceKind>(kind: K, namespace: string, name: string): Lookup<ReferenceObject<K>> {
    const found = this.objects.get(`${kind}/${namespace}/${name}`);
    if (found !== undefined) return present(found as ReferenceObject<K>); // stored under its own kind's key above
    const elsewhere = this.namespaces.get(`${kind}/${name}`);
    // No colon in the reason: warnings keep only what comes before one (briefReason).
    return unknown(elsewhere ? `in the files only in another namespace (${elsewhere.map((n) => JSON.stringify(n)).join(", ")})` : "not in the files");
  }

  /** The files are all `validate` compares with (README "References"): what they hold is the answer, none found included. */
  async lookupIndex(index: ObjectIndex, key: string): Promise<IndexLookup> {
    return this.knownIndex(index, key);
  }

  knownIndex(index: ObjectIndex, key: string): IndexLookup {
    return present(this.indexes.lookup(index, key));
  }

  close(): void {}
}
