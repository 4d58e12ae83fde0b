// The live answer to "does Secret/Cluster/Backup X exist?": one GET against the Kubernetes API, shared
// by the lookups that overlap it. Every failure becomes `unknown` with a short reason; what is kept of
// the object (a Secret's key names only) is taken as soon as it arrives.
import http from "node:http";
import { dns1123SubdomainProblems } from "../formats/formats.js";
import { isRecord } from "../formats/json.js";
import { Aborted, ApiError, connectionProblem, type KubeApi } from "./api.js";
import { apiVersionOf, keep, objectPath, REFERENCE_KINDS, type ReferenceKind, type ReferenceObject, type SecretKeys } from "./reference-kinds.js";
import { absent, present, unknown, type Lookup, type Need } from "./resolver.js";

// Names of Secrets and of custom objects are DNS-1123 subdomains.
const isObjectName = (name: string): boolean => dns1123SubdomainProblems(name).length === 0;

/** --secret-reuse's default: a GitOps sync applies its Clusters within a second or two. */
export const DEFAULT_SECRET_REUSE_MS = 2_000;

/** Secrets remembered at most: a sweep of expired ones, or of all, keeps the memory of a burst bounded. */
const MAX_REMEMBERED = 10_000;

/** One GET under way, shared by every lookup of the same object that arrives meanwhile. */
interface Flight {
  readonly answer: Promise<Lookup<unknown>>;
  readonly controller: AbortController;
  /** Lookups still waiting for it: when the last gives up (its deadline), the request is cancelled. */
  waiting: number;
}

export interface KubeResolverOptions {
  /** How long a Secret found to hold some keys answers "it holds them" without another GET; 0: never. */
  readonly secretReuseMs?: number;
}

/**
 * Reads Secrets (get only, key names kept), Clusters and Backups from the live API, one GET each.
 * Lookups of one object that overlap share one GET (a burst of Clusters naming one credentials
 * Secret makes one request, not one per Cluster). A Secret found to hold keys is remembered for
 * `secretReuseMs`, and answers a lookup that needs no other key; a Secret found absent, a failed
 * request or a need it does not cover always asks again, so no denial ever comes from a remembered
 * answer (README "References"). Only key names are remembered, never a value.
 */
export class KubeResolver {
  readonly source: string;
  private readonly flights = new Map<string, Flight>();
  private readonly secrets = new Map<string, { readonly found: Lookup<SecretKeys>; readonly until: number }>();
  private readonly reuseMs: number;

  constructor(
    readonly api: KubeApi,
    options: KubeResolverOptions = {},
  ) {
    this.source = `the Kubernetes API at ${api.server.origin} (${api.credentials.source})`;
    this.reuseMs = options.secretReuseMs ?? DEFAULT_SECRET_REUSE_MS;
  }

  /** Never throws; settles as soon as `signal` aborts, and the abort cancels the request itself once no lookup waits for it. */
  async lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string, signal: AbortSignal, need?: Need): Promise<Lookup<ReferenceObject<K>>> {
    const known = this.known(kind, namespace, name, need);
    if (known) return known;
    if (signal.aborted) return unknown("timed out");
    const path = objectPath(kind, namespace, name);
    let flight = this.flights.get(path);
    if (!flight) {
      const controller = new AbortController();
      const answer = this.get(kind, name, path, controller.signal);
      const started: Flight = { answer, controller, waiting: 0 };
      void answer.then(() => {
        if (this.flights.get(path) === started) this.flights.delete(path);
      });
      this.flights.set(path, started);
      flight = started;
    }
    return (await this.wait(path, flight, signal)) as Lookup<ReferenceObject<K>>;
  }

  /** The flight's answer, or "timed out" when `signal` aborts first; one listener, removed either way. */
  private wait(path: string, flight: Flight, signal: AbortSignal): Promise<Lookup<unknown>> {
    flight.waiting++;
    return new Promise((resolve) => {
      const onAbort = () => {
        if (--flight.waiting === 0) {
          if (this.flights.get(path) === flight) this.flights.delete(path);
          flight.controller.abort();
        }
        resolve(unknown("timed out"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      void flight.answer.then((found) => {
        if (signal.aborted) return;
        signal.removeEventListener("abort", onAbort);
        flight.waiting--;
        resolve(found);
      });
    });
  }

  private async get(kind: ReferenceKind, name: string, path: string, signal: AbortSignal): Promise<Lookup<unknown>> {
    try {
      const object = await this.api.getJSON(path, signal);
      // A 200 that is not the object asked for (a proxy's page, another kind) says nothing about it: a
      // Secret read from it would have no keys and deny. Its content is never quoted.
      if (!isRecord(object) || object.kind !== kind || object.apiVersion !== apiVersionOf(kind) || !isRecord(object.metadata) || object.metadata.name !== name)
        return unknown(`the API server answered with something other than ${kind} "${name}"`);
      const found = present(keep[kind](object));
      if (kind === "Secret") this.remember(path, found as Lookup<SecretKeys>);
      return found;
    } catch (err) {
      const found = signal.aborted ? unknown("timed out") : classify(kind, err);
      if (found.state === "absent") this.secrets.delete(path);
      return found;
    }
  }

  private remember(path: string, found: Lookup<SecretKeys>): void {
    if (this.reuseMs <= 0) return;
    const now = performance.now();
    if (this.secrets.size >= MAX_REMEMBERED) {
      for (const [p, r] of this.secrets) if (r.until <= now) this.secrets.delete(p);
      if (this.secrets.size >= MAX_REMEMBERED) this.secrets.clear();
    }
    this.secrets.set(path, { found, until: now + this.reuseMs });
  }

  /**
   * Answers without a request: names no object can have ("", "." or ".." would even turn the GET
   * into a LIST), and a Secret found a moment ago to hold every key `need` names.
   */
  known<K extends ReferenceKind>(kind: K, namespace: string, name: string, need?: Need): Lookup<ReferenceObject<K>> | undefined {
    if (!isObjectName(namespace)) return unknown(`invalid namespace "${namespace}"`);
    if (!isObjectName(name)) return absent;
    if (kind !== "Secret" || need?.keys === undefined) return undefined;
    const path = objectPath(kind, namespace, name);
    const remembered = this.secrets.get(path);
    if (!remembered) return undefined;
    if (remembered.until <= performance.now()) {
      this.secrets.delete(path);
      return undefined;
    }
    const { found } = remembered;
    return found.state === "present" && need.keys.every((k) => found.object.keys.includes(k)) ? (found as Lookup<ReferenceObject<K>>) : undefined;
  }

  close(): void {
    this.secrets.clear();
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
