// The files given to `validate` as cluster state: their Secrets, Clusters and Backups.
import type { Backup, Cluster } from "../../generated/types/index.js";
import { API_VERSION } from "../../schemas/kinds.js";
import { isRecord } from "../admission/values.js";
import { present, unknown, type Lookup, type ReferenceKind, type ReferenceResolver, type SecretKeys } from "./resolver.js";

export interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  [k: string]: unknown;
}

/** Where an object lives: its namespace, or the one `validate` assumes for objects without one. */
export const namespaceOf = (object: ObjectLike, fallback: string): string =>
  isRecord(object.metadata) && typeof object.metadata.namespace === "string" && object.metadata.namespace !== "" ? object.metadata.namespace : fallback;

export class ManifestResolver implements ReferenceResolver {
  readonly source = "the given files";
  private readonly objects = new Map<string, unknown>();

  constructor(objects: readonly ObjectLike[], defaultNamespace: string) {
    for (const o of objects) {
      const kind = this.kindOf(o);
      const name = isRecord(o.metadata) ? o.metadata.name : undefined;
      if (!kind || typeof name !== "string") continue;
      this.objects.set(`${kind}/${namespaceOf(o, defaultNamespace)}/${name}`, kind === "Secret" ? secretKeys(name, o) : o);
    }
  }

  private kindOf(o: ObjectLike): ReferenceKind | undefined {
    if (o.apiVersion === "v1" && o.kind === "Secret") return "Secret";
    if (o.apiVersion === API_VERSION && (o.kind === "Cluster" || o.kind === "Backup")) return o.kind;
    return undefined;
  }

  // A file set is never the whole cluster: what it lacks is unverified, not absent (SPEC §7).
  private find<T>(kind: ReferenceKind, namespace: string, name: string): Lookup<T> {
    const found = this.objects.get(`${kind}/${namespace}/${name}`);
    return found === undefined ? unknown("not in the files") : present(found as T);
  }

  secret = async (ns: string, name: string): Promise<Lookup<SecretKeys>> => this.find("Secret", ns, name);
  cluster = async (ns: string, name: string): Promise<Lookup<Cluster>> => this.find("Cluster", ns, name);
  backup = async (ns: string, name: string): Promise<Lookup<Backup>> => this.find("Backup", ns, name);
}

/** Key names only: values are dropped as soon as the file is read. */
function secretKeys(name: string, secret: ObjectLike): SecretKeys {
  const keys = [secret.data, secret.stringData].flatMap((m) => (isRecord(m) ? Object.keys(m) : []));
  return { name, keys: [...new Set(keys)] };
}
