// The live answer to "does Secret/Cluster/Backup X exist?": one GET against the Kubernetes API. Every
// failure becomes `unknown` with a short reason; what is kept of the object (a Secret's key names
// only) is taken as soon as it arrives.
import http from "node:http";
import { dns1123SubdomainProblems } from "../formats/formats.js";
import { isRecord } from "../formats/json.js";
import { Aborted, ApiError, connectionProblem, type KubeApi } from "./api.js";
import { apiVersionOf, keep, objectPath, REFERENCE_KINDS, type ReferenceKind, type ReferenceObject } from "./reference-kinds.js";
import { absent, present, unknown, type Lookup } from "./resolver.js";

// Names of Secrets and of custom objects are DNS-1123 subdomains.
const isObjectName = (name: string): boolean => dns1123SubdomainProblems(name).length === 0;

/** Reads Secrets (get only, key names kept), Clusters and Backups from the live API, one GET each. */
export class KubeResolver {
  readonly source: string;

  constructor(readonly api: KubeApi) {
    this.source = `the Kubernetes API at ${api.server.origin} (${api.credentials.source})`;
  }

  /** Never throws; settles as soon as `signal` aborts, and the abort cancels the request itself. */
  async lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string, signal: AbortSignal): Promise<Lookup<ReferenceObject<K>>> {
    const known = this.known(kind, namespace, name);
    if (known) return known;
    if (signal.aborted) return unknown("timed out");
    try {
      const object = await this.api.getJSON(objectPath(kind, namespace, name), signal);
      // A 200 that is not the object asked for (a proxy's page, another kind) says nothing about it: a
      // Secret read from it would have no keys and deny. Its content is never quoted.
      if (!isRecord(object) || object.kind !== kind || object.apiVersion !== apiVersionOf(kind) || !isRecord(object.metadata) || object.metadata.name !== name)
        return unknown(`the API server answered with something other than ${kind} "${name}"`);
      return present(keep[kind](object) as ReferenceObject<K>);
    } catch (err) {
      return signal.aborted ? unknown("timed out") : classify(kind, err);
    }
  }

  /** Names no object can have need no request: "", "." or ".." would even turn the GET into a LIST. */
  known<K extends ReferenceKind>(_kind: K, namespace: string, name: string): Lookup<ReferenceObject<K>> | undefined {
    if (!isObjectName(namespace)) return unknown(`invalid namespace "${namespace}"`);
    if (!isObjectName(name)) return absent;
    return undefined;
  }

  close(): void {
    this.api.close();
  }
}

/** Turns a failed request into absent/unknown. Never quotes a response body: for a Secret it could hold values. */
function classify(kind: ReferenceKind, err: unknown): Lookup<never> {
  const { group, version, plural: resource } = REFERENCE_KINDS[kind];
  if (err instanceof ApiError) {
    const { code, status } = err;
    const reason = status?.reason ?? http.STATUS_CODES[code] ?? "error";
    // A real NotFound Status means the object is missing; a bare 404 means the path itself is not
    // served (CRD or version not installed), which says nothing about the object.
    if (code === 404)
      return status?.reason === "NotFound" ? absent : unknown(`404: ${[resource, version, group].filter(Boolean).join(".")} not served by the API server`);
    if (code === 401) return unknown("unauthorized: the API server rejected the credentials");
    if (code === 403) return unknown(`forbidden: ${status?.message ?? `cannot get ${resource}`}`);
    return unknown(`${code} ${reason}`);
  }
  if (err instanceof Aborted) return unknown("timed out");
  // A 200 whose body does not parse: JSON.parse's message quotes the body, so it is not repeated.
  if (err instanceof SyntaxError) return unknown("unreadable response from the API server");
  // Socket-level failures: refused, DNS, TLS verification, reset.
  const problem = connectionProblem(err);
  if (problem) return unknown(`${problem}: ${(err as Error).message}`);
  return unknown(`request failed: ${err instanceof Error ? err.message : String(err)}`);
}
