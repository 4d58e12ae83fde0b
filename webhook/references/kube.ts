// The live answer to "does Secret/Cluster/Backup X exist?": single GETs against the Kubernetes API
// through @kubernetes/client-node 1.x. Every failure becomes `unknown` with a short reason; a Secret
// is reduced to its key names before anything else sees it.
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  wrapHttpLibrary,
  type ConfigurationOptions,
  type RequestContext,
} from "@kubernetes/client-node";
import { dns1123SubdomainProblems } from "../formats/formats.js";
import { REFERENCE_KINDS, type ReferenceKind, type ReferenceObject, type ReferenceObjects } from "./kinds.js";
import { absent, present, unknown, type Lookup, type ReferenceResolver } from "./resolver.js";
import { SERVICE_ACCOUNT_DIR } from "./serviceaccount.js";

// Names of Secrets and of custom objects are DNS-1123 subdomains.
const isObjectName = (name: string): boolean => dns1123SubdomainProblems(name).length === 0;
// Idle API connections are closed after this long: before the apiserver (90 s) or a load balancer
// in between drops them, which would turn the next lookup on that socket into a reset.
const IDLE_SOCKET_MS = 30_000;
// Socket errors of a connection that died while idle in the pool.
const STALE_CONNECTION_CODES = new Set(["ECONNRESET", "EPIPE"]);

export interface LoadedKubeConfig {
  config: KubeConfig;
  /** Where the credentials came from: "kubeconfig /path", "KUBECONFIG /path", "in-cluster service account". */
  source: string;
}

/**
 * Finds cluster credentials, in this order: `--kubeconfig FILE`, an explicitly set `KUBECONFIG`,
 * the pod's service account. Never ~/.kube/config: a webhook started by hand must not quietly act
 * with an admin's credentials. `undefined` means "no cluster". A named file that cannot be used
 * throws an Error naming it. `root` relocates the service-account files (tests).
 */
export function loadKubeConfig(opts: { kubeconfig?: string; env?: NodeJS.ProcessEnv; root?: string } = {}): LoadedKubeConfig | undefined {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return fromFiles([opts.kubeconfig], "kubeconfig");
  const listed = (env["KUBECONFIG"] ?? "").split(path.delimiter).filter(Boolean);
  if (listed.length > 0) return fromFiles(listed, "KUBECONFIG");

  const host = env["KUBERNETES_SERVICE_HOST"];
  const root = opts.root ?? "";
  if (!host || !fs.existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) return undefined;
  const config = new KubeConfig();
  // The token is re-read per request (it rotates); the CA is the cluster's own.
  config.loadFromCluster(root);
  // loadFromCluster reads process.env itself; build the URL from the env we were given, HTTPS only.
  const server = `https://${net.isIPv6(host) ? `[${host}]` : host}:${env["KUBERNETES_SERVICE_PORT"] || "443"}`;
  config.clusters = config.clusters.map((c) => ({ ...c, server }));
  return { config, source: "in-cluster service account" };
}

function fromFiles(files: readonly string[], origin: string): LoadedKubeConfig {
  const config = new KubeConfig();
  files.forEach((file, i) => {
    const kc = i === 0 ? config : new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new Error(`cannot load kubeconfig ${file}: ${describeLoadError(err)}`);
    }
    if (kc !== config) config.mergeConfig(kc, true); // like kubectl: the first file's context wins
  });
  if (!config.getCurrentCluster()?.server) {
    const context = config.getCurrentContext();
    throw new Error(`kubeconfig ${files.join(path.delimiter)}: ${context ? `context "${context}" names no known cluster` : "no current-context"}`);
  }
  return { config, source: `${origin} ${files.join(path.delimiter)}` };
}

/** Load errors without file contents: a YAML error would otherwise quote the (credential-bearing) lines. */
function describeLoadError(err: unknown): string {
  const e = err as { code?: string; name?: string; reason?: string; mark?: { line?: number } } | undefined;
  if (e?.code === "ENOENT") return "no such file";
  if (e?.code === "EACCES") return "permission denied";
  if (e?.code === "EISDIR") return "is a directory";
  if (e?.name === "YAMLException") return `invalid YAML${e.mark?.line !== undefined ? ` at line ${e.mark.line + 1}` : ""}: ${e.reason ?? "parse error"}`;
  return err instanceof Error ? err.message : String(err);
}

/** Reads Secrets (get only, key names kept), Clusters and Backups from the live API. */
export class KubeResolver implements ReferenceResolver {
  readonly source: string;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly fetchLibrary = new IsomorphicFetchHttpLibrary();
  private keepAlive: { fingerprint: string; agent: http.Agent } | undefined;
  /** Per attempt: whether the agent handed it a pooled (kept-alive) socket rather than a new one. */
  private readonly attempt = new AsyncLocalStorage<{ reusedSocket: boolean }>();
  /** GETs sent again after a pooled connection turned out to be dead (tests, diagnostics). */
  retries = 0;

  constructor(opts: { config: KubeConfig; source?: string }) {
    this.core = opts.config.makeApiClient(CoreV1Api);
    this.custom = opts.config.makeApiClient(CustomObjectsApi);
    const server = opts.config.getCurrentCluster()?.server;
    this.source = `the Kubernetes API at ${server}${opts.source ? ` (${opts.source})` : ""}`;
  }

  /** One GET per kind: Secrets are reduced to their key names on arrival. */
  private readonly readers: { [K in ReferenceKind]: (namespace: string, name: string, options: ConfigurationOptions) => Promise<ReferenceObjects[K]> } = {
    Secret: async (namespace, name, options) => {
      const secret = await this.core.readNamespacedSecret({ namespace, name }, options);
      // Only key names survive this line; the values go out of scope with `secret`.
      const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
      return { name: secret.metadata?.name ?? name, keys: [...keys].sort() };
    },
    Cluster: (namespace, name, options) => this.customObject("Cluster", namespace, name, options),
    Backup: (namespace, name, options) => this.customObject("Backup", namespace, name, options),
  };

  lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string, signal: AbortSignal): Promise<Lookup<ReferenceObject<K>>> {
    const read = this.readers[kind];
    return this.get(kind, namespace, name, signal, (options) => read(namespace, name, options));
  }

  private customObject<K extends "Cluster" | "Backup">(kind: K, namespace: string, name: string, options: ConfigurationOptions): Promise<ReferenceObjects[K]> {
    const { group, version, plural } = REFERENCE_KINDS[kind];
    // The API answers JSON of the kind's shape; the rules read it defensively.
    return this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name }, options) as Promise<ReferenceObjects[K]>;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.keepAlive?.agent.destroy();
    this.keepAlive = undefined;
  }

  /** Runs one GET; never throws; settles as soon as `signal` aborts, and the abort cancels the request itself. */
  private async get<T>(
    kind: ReferenceKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
    call: (options: ConfigurationOptions) => Promise<T>,
  ): Promise<Lookup<T>> {
    if (!isObjectName(namespace)) return unknown(`invalid namespace "${namespace}"`);
    // No object can have such a name; and "", "." or ".." would turn the GET into a LIST.
    if (!isObjectName(name)) return absent;
    if (signal.aborted) return unknown("timed out");
    // Listeners go on a dependent signal, not on the caller's: one admission shares its signal
    // across all its lookups, and a dozen listeners on it would trip Node's MaxListeners warning.
    const local = AbortSignal.any([signal]);
    const aborted = new Promise<Lookup<T>>((resolve) => local.addEventListener("abort", () => resolve(unknown("timed out")), { once: true }));
    const answer = call({ httpApi: this.httpFor(local) }).then(
      (object) => (typeof object === "object" && object !== null ? present(object) : unknown("unreadable response from the API server")),
      (err: unknown) => (local.aborted ? unknown("timed out") : classify(kind, err)),
    );
    // The race also covers time spent before the request exists (e.g. an exec credential plugin).
    return Promise.race([answer, aborted]);
  }

  /**
   * The generated client sends through `httpApi`, after authentication has filled the
   * RequestContext. Here the context gets this lookup's AbortSignal (node-fetch destroys the socket
   * on abort) and a long-lived keep-alive agent: the library builds a fresh Agent for every request,
   * which would mean a new TCP+TLS handshake per lookup.
   *
   * A pooled connection can die while idle (the apiserver or a load balancer closed it, the FIN
   * crossing our request): the GET then fails with ECONNRESET before any answer. Like Go's
   * http.Transport for client-go, such a GET is sent once more, on a new connection, under the same
   * signal, so within the same deadline. A reset on a new connection is a real failure, not retried.
   */
  private httpFor(signal: AbortSignal) {
    return wrapHttpLibrary({
      send: async (ctx: RequestContext) => {
        ctx.setSignal(signal);
        this.reuseConnections(ctx);
        const first = { reusedSocket: false };
        try {
          return await this.attempt.run(first, () => this.fetchLibrary.send(ctx).toPromise());
        } catch (err) {
          if (!first.reusedSocket || signal.aborted || String(ctx.getHttpMethod()) !== "GET" || !isStaleConnection(err)) throw err;
          this.retries++;
          this.dropIdleConnections(); // they were idle as long as the dead one: likely dead too
          return await this.attempt.run({ reusedSocket: false }, () => this.fetchLibrary.send(ctx).toPromise());
        }
      },
    });
  }

  private dropIdleConnections(): void {
    const agent = this.keepAlive?.agent;
    for (const sockets of Object.values(agent?.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
  }

  private reuseConnections(ctx: RequestContext): void {
    const fresh = ctx.getAgent();
    // Proxy agents (proxy-url in the kubeconfig) are left as they are.
    if (!fresh || (fresh.constructor !== https.Agent && fresh.constructor !== http.Agent)) return;
    const options = (fresh as https.Agent).options;
    // Same TLS material → same agent. The library re-reads CA/cert files per request, so a rotated
    // file gives a new fingerprint and new connections (the old agent's idle sockets just expire).
    const fingerprint = createHash("sha256")
      .update(
        JSON.stringify([
          fresh.constructor.name,
          options.ca,
          options.cert,
          options.key,
          options.pfx,
          options.passphrase,
          options.rejectUnauthorized,
          options.servername,
        ]),
      )
      .digest("hex");
    if (this.keepAlive?.fingerprint !== fingerprint) {
      const Agent = fresh.constructor as typeof https.Agent;
      const agent = new Agent({ ...options, keepAlive: true, timeout: IDLE_SOCKET_MS });
      // The agent says when it hands out a pooled socket; the attempt running now (async context) notes it.
      const reuseSocket = agent.reuseSocket.bind(agent);
      agent.reuseSocket = (socket, req) => {
        const current = this.attempt.getStore();
        if (current) current.reusedSocket = true;
        reuseSocket(socket, req);
      };
      this.keepAlive = { fingerprint, agent };
    }
    ctx.setAgent(this.keepAlive.agent);
  }
}

/** node-fetch's FetchError for a connection reset or broken pipe. */
function isStaleConnection(err: unknown): boolean {
  const e = err as { name?: string; type?: string; code?: string } | undefined;
  return e?.name === "FetchError" && e.type === "system" && STALE_CONNECTION_CODES.has(e.code ?? "");
}

/** Turns a failed GET into absent/unknown. Never quotes a response body: for a Secret it could hold values. */
function classify(kind: ReferenceKind, err: unknown): Lookup<never> {
  const { group, version, plural: resource } = REFERENCE_KINDS[kind];
  if (err instanceof ApiException) {
    const code = err.code;
    const status = parseStatus(err.body);
    const reason = status?.reason ?? http.STATUS_CODES[code] ?? "error";
    // A real NotFound Status means the object is missing; a bare 404 means the path itself is not
    // served (CRD or version not installed), which says nothing about the object.
    if (code === 404)
      return status?.reason === "NotFound" ? absent : unknown(`404: ${[resource, version, group].filter(Boolean).join(".")} not served by the API server`);
    if (code === 401) return unknown("unauthorized: the API server rejected the credentials");
    if (code === 403) return unknown(`forbidden: ${status?.message ?? `cannot get ${resource}`}`);
    return unknown(`${code} ${reason}`);
  }
  const e = err as { name?: string; type?: string; code?: string; message?: string } | undefined;
  if (e?.name === "AbortError") return unknown("timed out");
  // node-fetch's FetchError for socket-level failures: refused, DNS, TLS verification, reset.
  if (e?.name === "FetchError" && e.type === "system") {
    return unknown(`cannot connect: ${(e.message ?? String(e.code)).replace(/^request to \S+ failed, reason: /, "")}`);
  }
  // A 200 whose body does not parse: JSON.parse's message quotes the body, so it is not repeated.
  if (err instanceof SyntaxError) return unknown("unreadable response from the API server");
  return unknown(`request failed: ${err instanceof Error ? err.message : String(err)}`);
}

interface Status {
  kind?: string;
  reason?: string;
  message?: string;
}

function parseStatus(body: unknown): Status | undefined {
  try {
    const parsed: unknown = typeof body === "string" ? JSON.parse(body) : body;
    const s = parsed as Status | null;
    return s && typeof s === "object" && s.kind === "Status" ? s : undefined;
  } catch {
    return undefined;
  }
}
