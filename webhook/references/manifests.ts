// The files given to `validate` as cluster state: their Secrets, Clusters and Backups.
import { isRecord } from "../formats/json.js";
import { REFERENCE_KIND_NAMES, apiVersionOf, type ReferenceKind, type ReferenceObject, type SecretKeys } from "./kinds.js";
import { present, unknown, type Lookup, type ReferenceResolver } from "./resolver.js";

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

export class ManifestResolver implements ReferenceResolver {
  readonly source = "the given files";
  private readonly objects = new Map<string, unknown>();
  /** The namespaces each kind/name is in, to say so when a lookup misses only by namespace. */
  private readonly namespaces = new Map<string, string[]>();

  constructor(objects: readonly ObjectLike[], defaultNamespace: string) {
    for (const o of objects) {
      const kind = referenceKindOf(o);
      const name = isRecord(o.metadata) ? o.metadata.name : undefined;
      if (!kind || typeof name !== "string") continue;
      const namespace = namespaceOf(o, defaultNamespace);
      this.objects.set(`${kind}/${namespace}/${name}`, kind === "Secret" ? secretKeys(name, o) : o);
      this.namespaces.set(`${kind}/${name}`, [...(this.namespaces.get(`${kind}/${name}`) ?? []), namespace]);
    }
  }

  // A file set is never the whole cluster: what it lacks is unverified, not absent (README "References").
  async lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string): Promise<Lookup<ReferenceObject<K>>> {
    const found = this.objects.get(`${kind}/${namespace}/${name}`);
    if (found !== undefined) return present(found as ReferenceObject<K>); // stored under its own kind's key above
    const elsewhere = this.namespaces.get(`${kind}/${name}`);
    // No colon in the reason: warnings keep only what comes before one (briefReason).
    return unknown(elsewhere ? `in the files only in another namespace (${elsewhere.map((n) => JSON.stringify(n)).join(", ")})` : "not in the files");
  }

  close(): void {}
}

/** Key names only: values are dropped as soon as the file is read. */
function secretKeys(name: string, secret: ObjectLike): SecretKeys {
  const keys = [secret.data, secret.stringData].flatMap((m) => (isRecord(m) ? Object.keys(m) : []));
  return { name, keys: [...new Set(keys)] };
}
