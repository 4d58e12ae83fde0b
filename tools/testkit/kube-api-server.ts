// A stand-in kube-apiserver for tests: HTTPS with its own CA, bearer-token auth, the real REST paths
// and `Status` error bodies for Secrets and the CNP kinds — single objects, collections (one
// namespace or all, `limit`/`continue` pages from a consistent snapshot, `resourceVersion`) and
// watches (a chunked stream of JSON events, bookmarks, `timeoutSeconds`, `410 Gone` for a
// resourceVersion older than its history) — plus switchable faults (hang, 403, 500, slow, watches
// cut or ended). Tests reach it through a kubeconfig file and the real client code.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cachedCerts, makeCerts } from "./certs.js";
import { API_VERSION, GROUP, KINDS as CNP_KINDS } from "../../schemas/kinds.js";
import { REFERENCE_KINDS, REFERENCE_KIND_NAMES, apiVersionOf } from "../../webhook/references/reference-kinds.js";

/**
 * none | hang (never answer) | forbidden (403) | error (500) | slow (answer after `slowMs`) | html (a 200
 * HTML page, as a captive proxy sends) | stranger (a 200 JSON object that is not the one asked for) |
 * empty (a 200 `{}`).
 */
export type Fault = "none" | "hang" | "forbidden" | "error" | "slow" | "html" | "stranger" | "empty";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** One request as received: query only when there was one (lists and watches). */
export interface ApiRequest {
  method: string;
  path: string;
  query?: string;
}

export interface KubeApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly caPem: string;
  /** The bearer token the server accepts. */
  readonly token: string;
  /** Every request received, in order (auth failures included). */
  readonly requests: ApiRequest[];
  /** Fault applied to every object, collection and watch path without a more specific `faultFor` entry. */
  fault: Fault;
  /** Delay used by the "slow" fault. */
  slowMs: number;
  /** false: the CNP group is not served (CRDs missing): its paths get the mux's plain 404. */
  crdsInstalled: boolean;
  /** Watches with allowWatchBookmarks get a BOOKMARK this often (0: never). */
  bookmarkEveryMs: number;
  /** Fault for paths starting with `prefix` (longest prefix wins); "none" there overrides `fault`. */
  faultFor(prefix: string, fault: Fault | undefined): void;
  /** Stores an object (Secret stringData is folded into base64 `data`, as the apiserver does); watchers see ADDED or MODIFIED. */
  put(obj: KubeObject): void;
  /** Deletes an object; watchers see DELETED. */
  remove(kind: string, namespace: string, name: string): boolean;
  /** The current resourceVersion (it grows with every change). */
  readonly resourceVersion: string;
  /** Watches open now. */
  readonly watches: number;
  /** Ends every open watch cleanly, as the apiserver does at `timeoutSeconds` or on shutdown. */
  endWatches(): void;
  /** Cuts every open watch's connection (a network failure). */
  cutWatches(): void;
  /** Compacts the event history: a watch from any resourceVersion handed out so far gets `410 Gone`. */
  expireHistory(): void;
  /** Forgets the snapshots behind `continue` tokens: the next page of a list in progress gets `410 Gone`. */
  expireListSnapshots(): void;
  /** Requests currently held open by the "hang" fault. */
  readonly hanging: number;
  /** Hanging requests whose connection the client closed. */
  readonly hangsClosedByClient: number;
  /** Resolves when the next hanging request is closed by the client (or after `timeoutMs` with false). */
  waitForHangClosed(timeoutMs: number): Promise<boolean>;
  /** TLS connections accepted so far (keep-alive makes this stay at 1 across lookups). */
  readonly connections: number;
  /** Writes a kubeconfig for the real client (CA data + bearer token); overrides make broken ones. */
  writeKubeconfig(dir: string, overrides?: { token?: string; caPem?: string; server?: string; file?: string }): string;
  /** Stops listening and destroys every socket, hanging ones included. */
  close(): Promise<void>;
}

/** Where each kind is served: the webhook's reference table, and the CNP kinds. */
const KINDS: Record<string, { apiVersion: string; plural: string }> = {
  ...Object.fromEntries(REFERENCE_KIND_NAMES.map((k) => [k, { apiVersion: apiVersionOf(k), plural: REFERENCE_KINDS[k].plural }])),
  ...Object.fromEntries(CNP_KINDS.map((k) => [k.kind, { apiVersion: API_VERSION, plural: k.plural }])),
};
const KIND_OF_PLURAL = new Map(Object.entries(KINDS).map(([kind, k]) => [`${k.apiVersion}/${k.plural}`, kind]));

/** What a path names: one object, or a collection in one namespace or in all. */
interface Route {
  readonly apiVersion: string;
  readonly group: string;
  readonly plural: string;
  readonly namespace?: string;
  readonly name?: string;
}

// /api/v1[/namespaces/{ns}]/{plural}[/{name}] or /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}]
const PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/;

function routeOf(pathname: string): Route | undefined {
  const m = PATH.exec(pathname);
  if (!m) return undefined;
  const [, core, group, version, namespace, plural, name] = m;
  // "/api/v1/namespaces/x" is the Namespace x, not a collection: not served here.
  if (namespace === undefined && plural === "namespaces") return undefined;
  const apiVersion = core ? "v1" : `${group}/${version}`;
  return { apiVersion, group: group ?? "", plural: plural!, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) };
}

interface StoredEvent {
  readonly rv: number;
  readonly collection: string;
  readonly namespace: string;
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: KubeObject;
}

interface Watcher {
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly res: ServerResponse;
  end(): void;
}

/** Events kept for watches that resume; older resourceVersions get 410. */
const HISTORY_LIMIT = 10_000;

export async function startKubeApiServer(
  opts: { token?: string; slowMs?: number; bookmarkEveryMs?: number /** a CA of its own, trusted by no other server's kubeconfig */; ownCa?: boolean } = {},
): Promise<KubeApiServer> {
  const tls = await makeTls(opts.ownCa === true);
  const token = opts.token ?? randomBytes(16).toString("hex");
  /** collection ("apiVersion/plural") → "namespace/name" → object */
  const collections = new Map<string, Map<string, KubeObject>>();
  const faults = new Map<string, Fault>();
  const sockets = new Set<net.Socket>();
  const requests: ApiRequest[] = [];
  const hangWaiters: ((closed: boolean) => void)[] = [];
  const history: StoredEvent[] = [];
  const watchers = new Set<Watcher>();
  const snapshots = new Map<string, { items: KubeObject[]; rv: number }>();
  let rv = 1;
  /** A watch from this resourceVersion or an older one gets 410 Gone. */
  let compactedRv = 0;
  let hanging = 0;
  let hangsClosedByClient = 0;
  let connections = 0;

  const api = {
    fault: "none" as Fault,
    slowMs: opts.slowMs ?? 500,
    crdsInstalled: true,
    bookmarkEveryMs: opts.bookmarkEveryMs ?? 5000,
  };

  const faultOf = (p: string): Fault => {
    let best: string | undefined;
    for (const prefix of faults.keys()) if (p.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    return best !== undefined ? faults.get(best)! : api.fault;
  };

  const send = (res: ServerResponse, code: number, body: unknown): void => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(code, { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json" });
    res.end(text);
  };

  const collectionOf = (key: string): Map<string, KubeObject> => {
    const c = collections.get(key) ?? new Map<string, KubeObject>();
    collections.set(key, c);
    return c;
  };

  const record = (event: StoredEvent): void => {
    history.push(event);
    if (history.length > HISTORY_LIMIT) compactedRv = history.splice(0, history.length - HISTORY_LIMIT).at(-1)!.rv;
    for (const w of watchers) if (w.collection === event.collection && (w.namespace === undefined || w.namespace === event.namespace)) write(w.res, event);
  };

  const write = (res: ServerResponse, event: { type: string; object: unknown }): void => {
    res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  };

  const list = (route: Route, url: URL, res: ServerResponse): void => {
    const key = `${route.apiVersion}/${route.plural}`;
    const token = url.searchParams.get("continue");
    const limit = Number(url.searchParams.get("limit") ?? 0);
    let snapshot: { id: string; items: KubeObject[]; rv: number; offset: number };
    if (token) {
      let parsed: { id?: string; offset?: number } = {};
      try {
        parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as typeof parsed;
      } catch {
        return send(res, 400, status(400, "BadRequest", "invalid continue token"));
      }
      const kept = parsed.id ? snapshots.get(parsed.id) : undefined;
      if (!kept || typeof parsed.offset !== "number")
        return send(
          res,
          410,
          status(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
          ),
        );
      snapshot = { id: parsed.id!, ...kept, offset: parsed.offset };
    } else {
      const items = [...collectionOf(key).values()]
        .filter((o) => route.namespace === undefined || o.metadata.namespace === route.namespace)
        .sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
      snapshot = { id: randomUUID(), items, rv, offset: 0 };
    }
    const end = limit > 0 ? Math.min(snapshot.items.length, snapshot.offset + limit) : snapshot.items.length;
    const page = snapshot.items.slice(snapshot.offset, end);
    const more = end < snapshot.items.length;
    if (more) snapshots.set(snapshot.id, { items: snapshot.items, rv: snapshot.rv });
    else snapshots.delete(snapshot.id);
    const kind = KIND_OF_PLURAL.get(key) ?? "Object";
    send(res, 200, {
      kind: `${kind}List`,
      apiVersion: route.apiVersion,
      metadata: {
        resourceVersion: String(snapshot.rv),
        ...(more
          ? { continue: Buffer.from(JSON.stringify({ id: snapshot.id, offset: end })).toString("base64url"), remainingItemCount: snapshot.items.length - end }
          : {}),
      },
      items: page,
    });
  };

  const watch = (route: Route, url: URL, req: IncomingMessage, res: ServerResponse): void => {
    const key = `${route.apiVersion}/${route.plural}`;
    const from = url.searchParams.get("resourceVersion") ?? "";
    const timeoutSeconds = Number(url.searchParams.get("timeoutSeconds") ?? 0);
    const bookmarks = url.searchParams.get("allowWatchBookmarks") === "true";
    const inScope = (namespace: string) => route.namespace === undefined || namespace === route.namespace;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    if (from !== "" && from !== "0" && Number(from) <= compactedRv) {
      write(res, { type: "ERROR", object: status(410, "Expired", `too old resource version: ${from} (${compactedRv + 1})`) });
      res.end();
      return;
    }
    if (from === "" || from === "0") {
      for (const o of collectionOf(key).values()) if (inScope(o.metadata.namespace)) write(res, { type: "ADDED", object: o });
    } else {
      for (const e of history) if (e.rv > Number(from) && e.collection === key && inScope(e.namespace)) write(res, e);
    }
    const timers: NodeJS.Timeout[] = [];
    const watcher: Watcher = {
      collection: key,
      namespace: route.namespace,
      res,
      end: () => {
        watchers.delete(watcher);
        for (const t of timers) clearTimeout(t);
        if (!res.writableEnded) res.end();
      },
    };
    watchers.add(watcher);
    if (timeoutSeconds > 0) timers.push(setTimeout(watcher.end, timeoutSeconds * 1000));
    if (bookmarks && api.bookmarkEveryMs > 0)
      timers.push(
        setInterval(
          () =>
            write(res, {
              type: "BOOKMARK",
              object: { kind: KIND_OF_PLURAL.get(key) ?? "Object", apiVersion: route.apiVersion, metadata: { resourceVersion: String(rv) } },
            }),
          api.bookmarkEveryMs,
        ),
      );
    req.on("close", watcher.end);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "https://localhost");
    requests.push({ method: req.method ?? "", path: url.pathname, ...(url.search ? { query: url.search.slice(1) } : {}) });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "30", gitVersion: "v1.30.0-fake", platform: "linux/amd64" });
    if (url.pathname === "/api")
      return send(res, 200, {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `127.0.0.1:${port}` }],
      });

    const route = routeOf(url.pathname);
    // Only the core group and the CNP group are "installed"; anything else is the mux's plain 404.
    if (!route || (route.group !== "" && (route.group !== GROUP || !api.crdsInstalled))) return send(res, 404, "404 page not found");
    const { group, plural, namespace, name } = route;
    const qualified = group ? `${plural}.${group}` : plural;
    const details = { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: plural };
    if (req.method !== "GET")
      return send(res, 405, status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`, details));
    const watching = name === undefined && (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1");
    const verb = name !== undefined ? "get" : watching ? "watch" : "list";

    const answer = (): void => {
      if (watching) return watch(route, url, req, res);
      if (name === undefined) return list(route, url, res);
      const obj = collections.get(`${route.apiVersion}/${plural}`)?.get(`${namespace}/${name}`);
      if (!obj) return send(res, 404, status(404, "NotFound", `${qualified} "${name}" not found`, details));
      send(res, 200, obj);
    };
    switch (faultOf(url.pathname)) {
      case "none":
        return answer();
      case "forbidden": {
        const subject = name ? `${qualified} "${name}" is forbidden` : `${qualified} is forbidden`;
        const scope = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
        return send(
          res,
          403,
          status(
            403,
            "Forbidden",
            `${subject}: User "system:serviceaccount:cnp-system:cnp-webhook" cannot ${verb} resource "${plural}" in API group "${group}"${scope}`,
            details,
          ),
        );
      }
      case "error":
        return send(
          res,
          500,
          status(500, "InternalError", "Internal error occurred: etcdserver: request timed out", {
            ...details,
            causes: [{ message: "etcdserver: request timed out" }],
          }),
        );
      case "html":
        res.writeHead(200, { "content-type": "text/html" });
        return void res.end("<html><body><h1>Sign in to continue</h1></body></html>");
      case "stranger":
        return send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success", metadata: {} });
      case "empty":
        return send(res, 200, {});
      case "slow": {
        const timer = setTimeout(answer, api.slowMs);
        res.on("close", () => clearTimeout(timer));
        return;
      }
      case "hang": {
        hanging++;
        // "close" before the response finished = the client gave up (aborted, socket destroyed).
        res.on("close", () => {
          hanging--;
          if (!res.writableFinished) {
            hangsClosedByClient++;
            hangWaiters.splice(0).forEach((w) => w(true));
          }
        });
        return;
      }
    }
  };

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem, keepAliveTimeout: 30_000 }, handle);
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;

  return {
    url,
    port,
    caPem: tls.caPem,
    token,
    requests,
    get fault() {
      return api.fault;
    },
    set fault(f: Fault) {
      api.fault = f;
    },
    get slowMs() {
      return api.slowMs;
    },
    set slowMs(ms: number) {
      api.slowMs = ms;
    },
    get crdsInstalled() {
      return api.crdsInstalled;
    },
    set crdsInstalled(v: boolean) {
      api.crdsInstalled = v;
    },
    get bookmarkEveryMs() {
      return api.bookmarkEveryMs;
    },
    set bookmarkEveryMs(ms: number) {
      api.bookmarkEveryMs = ms;
    },
    faultFor(prefix, fault) {
      if (fault === undefined) faults.delete(prefix);
      else faults.set(prefix, fault);
    },
    put(obj) {
      const k = KINDS[obj.kind];
      const apiVersion = k?.apiVersion ?? obj.apiVersion;
      const plural = k?.plural ?? `${obj.kind.toLowerCase()}s`;
      const key = `${apiVersion}/${plural}`;
      const collection = collectionOf(key);
      const id = `${obj.metadata.namespace}/${obj.metadata.name}`;
      const old = collection.get(id);
      const stored: KubeObject = structuredClone(obj);
      rv++;
      stored.metadata = {
        uid: (old?.metadata["uid"] as string | undefined) ?? randomUUID(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        ...stored.metadata,
        // The server's own: every change gets a new one (clients compare them).
        resourceVersion: String(rv),
      };
      if (obj.kind === "Secret" && stored["stringData"]) {
        const data = { ...((stored["data"] as Record<string, string> | undefined) ?? {}) };
        for (const [key, value] of Object.entries(stored["stringData"] as Record<string, string>)) data[key] = Buffer.from(value).toString("base64");
        stored["data"] = data;
        delete stored["stringData"];
      }
      collection.set(id, stored);
      record({ rv, collection: key, namespace: obj.metadata.namespace, type: old ? "MODIFIED" : "ADDED", object: stored });
    },
    remove(kind, namespace, name) {
      const k = KINDS[kind];
      if (!k) return false;
      const key = `${k.apiVersion}/${k.plural}`;
      const collection = collections.get(key);
      const old = collection?.get(`${namespace}/${name}`);
      if (!collection || !old) return false;
      collection.delete(`${namespace}/${name}`);
      rv++;
      record({ rv, collection: key, namespace, type: "DELETED", object: { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } } });
      return true;
    },
    get resourceVersion() {
      return String(rv);
    },
    get watches() {
      return watchers.size;
    },
    endWatches() {
      for (const w of [...watchers]) w.end();
    },
    cutWatches() {
      for (const w of [...watchers]) {
        watchers.delete(w);
        w.res.socket?.destroy();
      }
    },
    expireHistory() {
      compactedRv = rv;
      rv++; // lists from now on hand out a resourceVersion that is not compacted
      history.length = 0;
    },
    expireListSnapshots() {
      snapshots.clear();
    },
    get hanging() {
      return hanging;
    },
    get hangsClosedByClient() {
      return hangsClosedByClient;
    },
    get connections() {
      return connections;
    },
    waitForHangClosed(timeoutMs) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        hangWaiters.push((closed) => {
          clearTimeout(timer);
          resolve(closed);
        });
      });
    },
    writeKubeconfig(dir, o = {}) {
      return writeKubeconfigFile(path.join(dir, o.file ?? "kubeconfig"), o.server ?? url, o.caPem ?? tls.caPem, o.token ?? token);
    },
    async close() {
      for (const w of [...watchers]) w.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A kubeconfig for a port where nothing listens (a port just bound and released). */
export async function connectionRefusedKubeconfig(dir: string): Promise<string> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { caPem } = await makeTls();
  return writeKubeconfigFile(path.join(dir, "kubeconfig-refused"), `https://127.0.0.1:${port}`, caPem, "unused");
}

function writeKubeconfigFile(file: string, server: string, caPem: string, token: string): string {
  // JSON is YAML; the client reads it with its YAML loader like any kubeconfig.
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: "test", user: { token } }],
    contexts: [{ name: "test", context: { cluster: "test", user: "test", namespace: "default" } }],
    "current-context": "test",
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

/** A throwaway CA and serving certificate (SANs include 127.0.0.1 and localhost), from the project's own tooling. */
/** The API server's CA and serving pair: the one every test shares, or (`own`) a new one. */
async function makeTls(own = false): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  if (!own) {
    const { caPem, certPem, keyPem } = await cachedCerts("kube-apiserver", "test");
    return { caPem, certPem, keyPem };
  }
  const made = await makeCerts("kube-api-tls-", "kube-apiserver", "test");
  fs.rmSync(made.dir, { recursive: true, force: true });
  return { caPem: made.caPem, certPem: made.certPem, keyPem: made.keyPem };
}
