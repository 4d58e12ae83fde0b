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

  constructor(objects: readonly ObjectLike[], defaultNamespace: string) {
    for (const o of objects) {
      const kind = referenceKindOf(o);
      const name = isRecord(o.metadata) ? o.metadata.name : undefined;
      if (!kind || typeof name !== "string") continue;
      this.objects.set(`${kind}/${namespaceOf(o, defaultNamespace)}/${name}`, kind === "Secret" ? secretKeys(name, o) : o);
    }
  }

  // A file set is never the whole cluster: what it lacks is unverified, not absent (README "References").
  async lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string): Promise<Lookup<ReferenceObject<K>>> {
    const found = this.objects.get(`${kind}/${namespace}/${name}`);
    // Stored under its own kind's key by the constructor above.
    return found === undefined ? unknown("not in the files") : present(found as ReferenceObject<K>);
  }

  close(): void {}
}

/** Key names only: values are dropped as soon as the file is read. */
function secretKeys(name: string, secret: ObjectLike): SecretKeys {
  const keys = [secret.data, secret.stringData].flatMap((m) => (isRecord(m) ? Object.keys(m) : []));
  return { name, keys: [...new Set(keys)] };
}
