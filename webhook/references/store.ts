// Objects kept by name, with secondary indexes: "which Clusters and Backups, in any namespace, have
// index key K" (the WAL-archive rule asks which objects archive into one folder). An index is a key
// function registered by the rule that reads it; it is built on first use and kept up to date as
// objects come and go, as controller-runtime's field indexers are.
import type { CachedKind, ReferenceObjects } from "./reference-kinds.js";

/** A secondary index: the keys of each object, from the fields every resolver keeps (kinds.ts `keep`). */
export interface ObjectIndex {
  /** Stable name, for logs and metrics: "walArchive". */
  readonly name: string;
  /** The keys of one object; none leaves it out of the index. Must not throw (a throw is reported as "could not verify"). */
  readonly keys: { readonly [K in CachedKind]: (object: ReferenceObjects[K], namespace: string, name: string) => readonly string[] };
}

/** One object found through an index. */
export type Indexed = {
  readonly [K in CachedKind]: { readonly kind: K; readonly namespace: string; readonly name: string; readonly object: ReferenceObjects[K] };
}[CachedKind];

/** key → objects of one index, kept up to date entry by entry. */
class IndexTable {
  private readonly byKey = new Map<string, Set<Indexed>>();
  private readonly keysOf = new Map<Indexed, readonly string[]>();

  constructor(private readonly index: ObjectIndex) {}

  add(entry: Indexed): void {
    const keys = [
      ...new Set((this.index.keys[entry.kind] as (o: unknown, ns: string, name: string) => readonly string[])(entry.object, entry.namespace, entry.name)),
    ];
    if (keys.length === 0) return;
    this.keysOf.set(entry, keys);
    for (const key of keys) {
      const set = this.byKey.get(key) ?? new Set<Indexed>();
      set.add(entry);
      this.byKey.set(key, set);
    }
  }

  remove(entry: Indexed): void {
    const keys = this.keysOf.get(entry);
    if (!keys) return;
    this.keysOf.delete(entry);
    for (const key of keys) {
      const set = this.byKey.get(key);
      set?.delete(entry);
      if (set?.size === 0) this.byKey.delete(key);
    }
  }

  get(key: string): readonly Indexed[] {
    return [...(this.byKey.get(key) ?? [])];
  }
}

/**
 * Entries (possibly several with the same name: `validate` keeps every document) and their indexes.
 * A key function that throws drops its index; the next lookup builds it again and reports the throw.
 */
export class IndexedEntries {
  private readonly tables = new Map<ObjectIndex, IndexTable>();

  constructor(private readonly all: () => Iterable<Indexed>) {}

  /** Every entry with `key` in `index`, building the index on first use. Throws what the key function throws. */
  lookup(index: ObjectIndex, key: string): readonly Indexed[] {
    let table = this.tables.get(index);
    if (!table) {
      table = new IndexTable(index);
      for (const entry of this.all()) table.add(entry);
      this.tables.set(index, table);
    }
    return table.get(key);
  }

  added(entry: Indexed): void {
    for (const [index, table] of this.tables) {
      try {
        table.add(entry);
      } catch {
        this.tables.delete(index);
      }
    }
  }

  removed(entry: Indexed): void {
    for (const table of this.tables.values()) table.remove(entry);
  }
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The objects of one kind by namespace and name, as a watch keeps them; indexed. */
export class ObjectStore<K extends CachedKind> {
  private readonly objects = new Map<string, Indexed & { kind: K }>();
  readonly indexes = new IndexedEntries(() => this.objects.values());

  constructor(readonly kind: K) {}

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string, name: string): ReferenceObjects[K] | undefined {
    return this.objects.get(keyOf(namespace, name))?.object as ReferenceObjects[K] | undefined;
  }

  /** The kept object's resourceVersion, to skip events that change nothing. */
  resourceVersion(namespace: string, name: string): string | undefined {
    return (this.objects.get(keyOf(namespace, name))?.object as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
  }

  upsert(namespace: string, name: string, object: ReferenceObjects[K]): void {
    const key = keyOf(namespace, name);
    const old = this.objects.get(key);
    if (old) this.indexes.removed(old);
    const entry = { kind: this.kind, namespace, name, object } as Indexed & { kind: K };
    this.objects.set(key, entry);
    this.indexes.added(entry);
  }

  delete(namespace: string, name: string): boolean {
    const key = keyOf(namespace, name);
    const old = this.objects.get(key);
    if (!old) return false;
    this.objects.delete(key);
    this.indexes.removed(old);
    return true;
  }

  /** Replaces the whole content (a relist): what is gone is deleted, what changed is updated. */
  replace(objects: ReadonlyMap<string, { namespace: string; name: string; object: ReferenceObjects[K] }>): void {
    for (const [key, old] of this.objects) if (!objects.has(key)) this.delete(old.namespace, old.name);
    for (const { namespace, name, object } of objects.values()) {
      const rv = (object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
      if (rv === undefined || rv !== this.resourceVersion(namespace, name)) this.upsert(namespace, name, object);
    }
  }
}

export const storeKey = keyOf;
