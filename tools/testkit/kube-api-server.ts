// A stand-in kube-apiserver for tests: HTTPS with its own CA, bearer-token auth, the real REST paths
// and `Status` error bodies for Secrets and the CNP kinds, plus switchable faults (hang, 403, 500,
// slow). Tests reach it through a kubeconfig file and the real client library.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";
import { ensureCertificates } from "../../certs/tls.js";
import { API_VERSION, GROUP, KINDS as CNP_KINDS } from "../../schemas/kinds.js";
import { REFERENCE_KINDS, REFERENCE_KIND_NAMES, apiVersionOf } from "../../webhook/references/kinds.js";

/** none | hang (never answer) | forbidden (403) | error (500) | slow (answer after `slowMs`). */
export type Fault = "none" | "hang" | "forbidden" | "error" | "slow";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface KubeApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly caPem: string;
  /** The bearer token the server accepts. */
  readonly token: string;
  /** Every request received, in order (auth failures included). */
  readonly requests: { method: string; path: string }[];
  /** Fault applied to every object path without a more specific `faultFor` entry. */
  fault: Fault;
  /** Delay used by the "slow" fault. */
  slowMs: number;
  /** false: the CNP group is not served (CRDs missing): its paths get the mux's plain 404. */
  crdsInstalled: boolean;
  /** Fault for paths starting with `prefix` (longest prefix wins); "none" there overrides `fault`. */
  faultFor(prefix: string, fault: Fault | undefined): void;
  /** Stores an object (Secret stringData is folded into base64 `data`, as the apiserver does). */
  put(obj: KubeObject): void;
  remove(kind: string, namespace: string, name: string): boolean;
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

function objectPath(apiVersion: string, plural: string, namespace: string, name: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${plural}/${name}`;
}

// /api/v1/namespaces/{ns}/{plural}/{name} or /apis/{group}/{version}/namespaces/{ns}/{plural}/{name}
const OBJECT_PATH = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/;

export async function startKubeApiServer(opts: { token?: string; slowMs?: number } = {}): Promise<KubeApiServer> {
  const tls = await makeTls();
  const token = opts.token ?? randomBytes(16).toString("hex");
  const objects = new Map<string, KubeObject>();
  const faults = new Map<string, Fault>();
  const sockets = new Set<net.Socket>();
  const requests: { method: string; path: string }[] = [];
  const hangWaiters: ((closed: boolean) => void)[] = [];
  let hanging = 0;
  let hangsClosedByClient = 0;
  let connections = 0;

  const api = {
    fault: "none" as Fault,
    slowMs: opts.slowMs ?? 500,
    crdsInstalled: true,
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

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "https://localhost");
    requests.push({ method: req.method ?? "", path: url.pathname });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "30", gitVersion: "v1.30.0-fake", platform: "linux/amd64" });
    if (url.pathname === "/api")
      return send(res, 200, {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `127.0.0.1:${port}` }],
      });

    const m = OBJECT_PATH.exec(url.pathname);
    const group = m?.[1] ?? "";
    // Only the core group and the CNP group are "installed"; anything else is the mux's plain 404.
    if (!m || (group !== "" && (group !== GROUP || !api.crdsInstalled))) return send(res, 404, "404 page not found");
    const [, , namespace, plural, name] = m as unknown as [string, string, string, string, string];
    const qualified = group ? `${plural}.${group}` : plural;
    const details = { name, ...(group ? { group } : {}), kind: plural };
    if (req.method !== "GET")
      return send(res, 405, status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`, details));

    const answer = (): void => {
      const obj = objects.get(url.pathname);
      if (!obj) return send(res, 404, status(404, "NotFound", `${qualified} "${name}" not found`, details));
      send(res, 200, obj);
    };
    switch (faultOf(url.pathname)) {
      case "none":
        return answer();
      case "forbidden":
        return send(
          res,
          403,
          status(
            403,
            "Forbidden",
            `${qualified} "${name}" is forbidden: User "system:serviceaccount:cnp-system:cnp-webhook" cannot get resource "${plural}" in API group "${group}" in the namespace "${namespace}"`,
            details,
          ),
        );
      case "error":
        return send(
          res,
          500,
          status(500, "InternalError", "Internal error occurred: etcdserver: request timed out", {
            ...details,
            causes: [{ message: "etcdserver: request timed out" }],
          }),
        );
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
    faultFor(prefix, fault) {
      if (fault === undefined) faults.delete(prefix);
      else faults.set(prefix, fault);
    },
    put(obj) {
      const k = KINDS[obj.kind];
      const plural = k?.plural ?? `${obj.kind.toLowerCase()}s`;
      const stored: KubeObject = structuredClone(obj);
      stored.metadata = {
        uid: randomUUID(),
        resourceVersion: String(Date.now()),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        ...stored.metadata,
      };
      if (obj.kind === "Secret" && stored["stringData"]) {
        const data = { ...((stored["data"] as Record<string, string> | undefined) ?? {}) };
        for (const [key, value] of Object.entries(stored["stringData"] as Record<string, string>)) data[key] = Buffer.from(value).toString("base64");
        stored["data"] = data;
        delete stored["stringData"];
      }
      objects.set(objectPath(obj.apiVersion, plural, obj.metadata.namespace, obj.metadata.name), stored);
    },
    remove(kind, namespace, name) {
      const k = KINDS[kind];
      if (!k) return false;
      return objects.delete(objectPath(k.apiVersion, k.plural, namespace, name));
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
async function makeTls(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-api-tls-"));
  try {
    await ensureCertificates({ service: "kube-apiserver", namespace: "test", outDir: dir });
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    return { caPem: read("ca.crt"), certPem: read("tls.crt"), keyPem: read("tls.key") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
