// Where the webhook's API credentials come from, in this order: `--kubeconfig FILE`, an explicitly set
// `KUBECONFIG`, the Pod's service account. Never ~/.kube/config: a webhook started by hand must not
// quietly act with an admin's credentials (README "References").
//
// Service accounts and kubeconfig files with a token, a token file or a client certificate are read
// here; what only a client library does well (exec credential plugins, auth providers, proxies) is
// delegated to @kubernetes/client-node, imported only then: importing it costs ≈ 75 MiB of RSS (its
// KubeConfig module loads the whole generated API), more than the webhook's caches of 20,000 objects
// (README "Performance").
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Agent } from "node:http";
import type { RequestOptions } from "node:https";
import { parse } from "yaml";
import { isRecord } from "../formats/json.js";
import { SERVICE_ACCOUNT_DIR } from "./serviceaccount.js";

/** TLS options of the connections to the API server (what https.Agent takes). */
export interface TlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

/** What one request needs: TLS material, headers (Authorization), and a proxy agent if one is configured. */
export interface RequestCredentials {
  readonly tls: TlsOptions;
  readonly headers: Readonly<Record<string, string>>;
  /** A proxy agent built by the client library (proxy-url); such connections are used as it makes them. */
  readonly agent?: Agent;
}

export interface ApiCredentials {
  /** https://host:port of the API server. */
  readonly server: URL;
  /** Where the credentials came from: "kubeconfig /path", "KUBECONFIG /path", "in-cluster service account". */
  readonly source: string;
  /** The credentials for the next request; cached, and read again when they may have rotated. */
  current(): Promise<RequestCredentials>;
  /** The API server refused them (401): read them again before the next request. */
  invalidate(): void;
}

/** Rotating tokens (service account, token files) are read again at most this often, as client-go does. */
const REREAD_MS = 60_000;

/** Credentials read from files and re-read every minute (tokens rotate), or at once after a 401. */
class FileCredentials implements ApiCredentials {
  private cached: { at: number; value: RequestCredentials } | undefined;
  constructor(
    readonly server: URL,
    readonly source: string,
    private readonly read: () => RequestCredentials,
  ) {}

  async current(): Promise<RequestCredentials> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > REREAD_MS) this.cached = { at: now, value: this.read() };
    return this.cached.value;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

/** One PEM value as the library sets it (a Buffer); a list of them is joined, as one CA bundle. */
function pem(value: RequestOptions["ca"] | RequestOptions["key"]): string | Buffer | undefined {
  if (!Array.isArray(value)) return value;
  return value.map((v) => (typeof v === "string" || Buffer.isBuffer(v) ? v.toString() : v.pem.toString())).join("\n");
}

/** The headers the library sets (Authorization from an exec plugin or auth provider), as strings. */
function stringHeaders(headers: RequestOptions["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || Array.isArray(headers)) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string") out[name] = value;
    else if (typeof value === "number") out[name] = String(value);
    else if (Array.isArray(value)) out[name] = value.join(", ");
  }
  return out;
}

/** A user or cluster entry that only the client library can turn into credentials. */
class DelegatedCredentials implements ApiCredentials {
  private cached: { at: number; value: Promise<RequestCredentials> } | undefined;
  constructor(
    readonly server: URL,
    readonly source: string,
    private readonly files: readonly string[],
  ) {}

  current(): Promise<RequestCredentials> {
    const now = Date.now();
    // The library caches exec credentials until they expire; asking it costs a few file reads.
    if (!this.cached || now - this.cached.at > 10_000) {
      const value = this.load();
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<RequestCredentials> {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const config = new KubeConfig();
    this.files.forEach((file, i) => {
      const kc = i === 0 ? config : new KubeConfig();
      kc.loadFromFile(file);
      if (kc !== config) config.mergeConfig(kc, true); // like kubectl: the first file's entries win
    });
    const opts: RequestOptions = {};
    await config.applyToHTTPSOptions(opts);
    const proxied = config.getCurrentCluster()?.proxyUrl && opts.agent instanceof Agent ? opts.agent : undefined;
    return {
      tls: { ca: pem(opts.ca), cert: pem(opts.cert), key: pem(opts.key), rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername },
      headers: stringHeaders(opts.headers),
      ...(proxied ? { agent: proxied } : {}),
    };
  }
}

/**
 * The credentials configured for this process, or `undefined` for "no cluster". A named file that
 * cannot be used throws an Error naming it (and never quoting it: it holds credentials). `root`
 * relocates the service-account files (tests).
 */
export function loadKubeConfig(opts: { kubeconfig?: string; env?: NodeJS.ProcessEnv; root?: string } = {}): ApiCredentials | undefined {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return fromFiles([opts.kubeconfig], "kubeconfig");
  const listed = (env["KUBECONFIG"] ?? "").split(path.delimiter).filter(Boolean);
  if (listed.length > 0) return fromFiles(listed, "KUBECONFIG");
  return inCluster(env, opts.root ?? "");
}

function inCluster(env: NodeJS.ProcessEnv, root: string): ApiCredentials | undefined {
  const host = env["KUBERNETES_SERVICE_HOST"];
  const dir = `${root}${SERVICE_ACCOUNT_DIR}`;
  if (!host || !fs.existsSync(`${dir}/token`)) return undefined;
  const server = new URL(`https://${net.isIPv6(host) ? `[${host}]` : host}:${env["KUBERNETES_SERVICE_PORT"] || "443"}`);
  return new FileCredentials(server, "in-cluster service account", () => ({
    tls: { ca: fs.readFileSync(`${dir}/ca.crt`) },
    headers: { authorization: `Bearer ${fs.readFileSync(`${dir}/token`, "utf8").trim()}` },
  }));
}

type Entry = Record<string, unknown>;

/** A kubeconfig's named entries, merged as kubectl merges KUBECONFIG files: the first file to name an entry wins. */
interface Merged {
  clusters: Map<string, { entry: Entry; dir: string }>;
  users: Map<string, { entry: Entry; dir: string }>;
  contexts: Map<string, Entry>;
  currentContext?: string;
}

function fromFiles(files: readonly string[], origin: string): ApiCredentials {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`cannot load kubeconfig ${file}: ${describeLoadError(err)}`);
    }
    if (!isRecord(doc)) throw new Error(`cannot load kubeconfig ${file}: not a kubeconfig (a YAML mapping)`);
    const dir = path.dirname(path.resolve(file));
    const named = (list: unknown, field: string) => (Array.isArray(list) ? list : []).filter(isRecord).map((e) => [e.name, e[field]] as const);
    for (const [name, entry] of named(doc.clusters, "cluster"))
      if (typeof name === "string" && isRecord(entry) && !merged.clusters.has(name)) merged.clusters.set(name, { entry, dir });
    for (const [name, entry] of named(doc.users, "user"))
      if (typeof name === "string" && isRecord(entry) && !merged.users.has(name)) merged.users.set(name, { entry, dir });
    for (const [name, entry] of named(doc.contexts, "context"))
      if (typeof name === "string" && isRecord(entry) && !merged.contexts.has(name)) merged.contexts.set(name, entry);
    if (merged.currentContext === undefined && typeof doc["current-context"] === "string" && doc["current-context"] !== "")
      merged.currentContext = doc["current-context"];
  }
  const where = `kubeconfig ${files.join(path.delimiter)}`;
  const contextName = merged.currentContext;
  const context = contextName === undefined ? undefined : merged.contexts.get(contextName);
  const cluster = context && typeof context.cluster === "string" ? merged.clusters.get(context.cluster) : undefined;
  if (!contextName) throw new Error(`${where}: no current-context`);
  if (!cluster || typeof cluster.entry.server !== "string" || cluster.entry.server === "")
    throw new Error(`${where}: context "${contextName}" names no known cluster`);
  let server: URL;
  try {
    server = new URL(cluster.entry.server);
  } catch {
    throw new Error(`${where}: cluster server ${JSON.stringify(cluster.entry.server)} is not a URL`);
  }
  const source = `${origin} ${files.join(path.delimiter)}`;
  const user = context && typeof context.user === "string" ? merged.users.get(context.user) : undefined;
  const u = user?.entry ?? {};
  const c = cluster.entry;
  // What only the library handles: credential plugins, auth providers, proxies.
  if (u.exec !== undefined || u["auth-provider"] !== undefined || c["proxy-url"] !== undefined) return new DelegatedCredentials(server, source, files);

  const file = (value: unknown, dir: string): string | undefined => (typeof value === "string" && value !== "" ? path.resolve(dir, value) : undefined);
  const data = (value: unknown): Buffer | undefined => (typeof value === "string" && value !== "" ? Buffer.from(value, "base64") : undefined);
  const userDir = user?.dir ?? cluster.dir;
  const caFile = file(c["certificate-authority"], cluster.dir);
  const certFile = file(u["client-certificate"], userDir);
  const keyFile = file(u["client-key"], userDir);
  const tokenFile = file(u.tokenFile, userDir);
  const insecure = c["insecure-skip-tls-verify"] === true;
  const servername = typeof c["tls-server-name"] === "string" && c["tls-server-name"] !== "" ? c["tls-server-name"] : undefined;
  const read = (): RequestCredentials => {
    const token = tokenFile ? fs.readFileSync(tokenFile, "utf8").trim() : typeof u.token === "string" && u.token !== "" ? u.token : undefined;
    const basic =
      typeof u.username === "string" && u.username !== ""
        ? `Basic ${Buffer.from(`${u.username}:${typeof u.password === "string" ? u.password : ""}`).toString("base64")}`
        : undefined;
    const authorization = token ? `Bearer ${token}` : basic;
    return {
      tls: {
        ...(caFile ? { ca: fs.readFileSync(caFile) } : data(c["certificate-authority-data"]) ? { ca: data(c["certificate-authority-data"]) } : {}),
        ...(certFile ? { cert: fs.readFileSync(certFile) } : data(u["client-certificate-data"]) ? { cert: data(u["client-certificate-data"]) } : {}),
        ...(keyFile ? { key: fs.readFileSync(keyFile) } : data(u["client-key-data"]) ? { key: data(u["client-key-data"]) } : {}),
        ...(insecure ? { rejectUnauthorized: false } : {}),
        ...(servername ? { servername } : {}),
      },
      headers: authorization ? { authorization } : {},
    };
  };
  // Files named by the kubeconfig must be readable now: a typo is reported at start, naming the file.
  for (const f of [caFile, certFile, keyFile, tokenFile]) {
    if (!f) continue;
    try {
      fs.accessSync(f, fs.constants.R_OK);
    } catch (err) {
      throw new Error(`${where}: cannot read ${f}: ${describeLoadError(err)}`);
    }
  }
  return new FileCredentials(server, source, read);
}

/** Load errors without file contents: a YAML error would otherwise quote the (credential-bearing) lines. */
function describeLoadError(err: unknown): string {
  const e = err as { code?: string; name?: string; linePos?: { line: number }[] } | undefined;
  if (e?.code === "ENOENT") return "no such file";
  if (e?.code === "EACCES") return "permission denied";
  if (e?.code === "EISDIR") return "is a directory";
  if (e?.name === "YAMLParseError") return `invalid YAML${e.linePos?.[0] ? ` at line ${e.linePos[0].line}` : ""} (${e.code ?? "parse error"})`;
  return err instanceof Error ? err.message : String(err);
}
