// The Kubernetes API over HTTPS: GETs of objects and list pages, and watch streams. One kept-alive
// connection pool for all of them (a TLS handshake per lookup would cost more than the admission), and
// no per-request allocation that outlives the request: every abort listener is removed when its
// request ends (README "Performance": the `AbortSignal.any` leak this replaced).
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { ApiCredentials, RequestCredentials } from "./credentials.js";

// Idle API connections are closed after this long: before the apiserver (90 s) or a load balancer
// in between drops them, which would turn the next request on that socket into a reset.
const IDLE_SOCKET_MS = 30_000;
// Socket errors of a connection that died while idle in the pool.
const STALE_CONNECTION_CODES = new Set(["ECONNRESET", "EPIPE"]);
/** Far above a page of 500 objects; a body this large is not an answer of the API server. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** The API server answered with an error status (its `Status` body, when it sent one). */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: { reason?: string; message?: string } | undefined,
  ) {
    super(`${code} ${status?.reason ?? http.STATUS_CODES[code] ?? "error"}`);
  }
}

/** The request was cancelled through its signal. */
export class Aborted extends Error {}

/** Socket errors in the words a user acts on. */
const SOCKET_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
};

/**
 * What went wrong below HTTP, in a few words without a colon (a warning quotes the text before the
 * first one): "connection refused", "server certificate not trusted"; undefined for other errors.
 */
export function connectionProblem(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") return undefined;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|SIGNATURE|ERR_TLS|ERR_SSL/.test(code)) return "server certificate not trusted";
  return SOCKET_PROBLEMS[code] ?? `cannot connect (${code})`;
}

/** A failed request in one line: the API server's Status message, or what went wrong below HTTP. */
export function requestFailure(err: unknown): string {
  if (err instanceof ApiError) return err.status?.message ? `${err.code} ${err.status.reason ?? ""}: ${err.status.message}`.replace(" :", ":") : err.message;
  const message = err instanceof Error ? err.message : String(err);
  const problem = connectionProblem(err);
  return problem ? `${problem} (${message})` : message;
}

/** One event of a watch stream. */
export interface WatchEvent {
  readonly type: string;
  readonly object: Record<string, unknown>;
}

type Query = Readonly<Record<string, string | undefined>>;

const withQuery = (path: string, query: Query | undefined): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, v);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
};

function parseStatus(body: string): { reason?: string; message?: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string } | null;
    return parsed && typeof parsed === "object" && parsed.kind === "Status" ? { reason: parsed.reason, message: parsed.message } : undefined;
  } catch {
    return undefined;
  }
}

export class KubeApi {
  private pool: { fingerprint: string; credentials: RequestCredentials; agent: http.Agent } | undefined;
  /** GETs sent again after a pooled connection turned out to be dead (tests, diagnostics). */
  retries = 0;
  private readonly answerListeners = new Set<() => void>();

  constructor(readonly credentials: ApiCredentials) {}

  get server(): URL {
    return this.credentials.server;
  }

  /** GET `path` and parse the JSON answer; throws ApiError, Aborted, or the socket's error. */
  async getJSON(path: string, signal: AbortSignal, query?: Query): Promise<unknown> {
    let body: string;
    try {
      body = await this.send(path, query, signal, true);
    } catch (err) {
      if (err instanceof ApiError && err.status?.reason === "NotFound") this.answered();
      throw err;
    }
    const parsed: unknown = JSON.parse(body);
    this.answered();
    return parsed;
  }

  /** Calls `listener` whenever the API server answers a GET as itself (JSON, or a NotFound Status); returns the unsubscribe. */
  onAnswer(listener: () => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  private answered(): void {
    for (const listener of [...this.answerListeners]) listener();
  }

  /**
   * Streams a watch: `onEvent` for each event line, until the server ends the stream (resolves) or it
   * fails (rejects: ApiError for an error status, Aborted, or the socket's error).
   */
  async watch(path: string, query: Query, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<void> {
    const target = withQuery(path, { ...query, watch: "true" });
    const { request, release } = await this.open(target, signal);
    try {
      await new Promise<void>((resolve, reject) => {
        // Why the stream was ended here, if it was: the request is destroyed without an error (see `open`).
        let failure: Error | undefined;
        const fail = (err: Error) => reject(failure ?? (signal.aborted ? new Aborted("aborted") : err));
        request.on("error", fail);
        request.on("response", (res) => {
          if (res.statusCode !== 200) {
            collect(res, MAX_BODY_BYTES).then((text) => reject(new ApiError(res.statusCode ?? 0, parseStatus(text))), fail);
            return;
          }
          res.setEncoding("utf8");
          let partial = "";
          res.on("data", (chunk: string) => {
            const lines = (partial + chunk).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) {
              if (line.trim() === "") continue;
              let event: WatchEvent;
              try {
                event = JSON.parse(line) as WatchEvent;
              } catch {
                failure = new Error("unreadable watch event from the API server");
                request.destroy();
                return;
              }
              onEvent(event);
              // The handler may have stopped the watch (an ERROR event): the rest of the chunk is not read.
              if (signal.aborted || failure) return;
            }
          });
          res.on("end", resolve);
          res.on("error", fail);
          res.on("aborted", () => fail(new Error("watch stream cut off")));
        });
        request.end();
      });
    } finally {
      release();
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.pool?.agent.destroy();
    this.pool = undefined;
  }

  /**
   * One GET: the answer's body on 200. A pooled connection can die while idle (the apiserver or a load
   * balancer closed it, the FIN crossing our request): the GET then fails with ECONNRESET before any
   * answer. Like Go's http.Transport for client-go, such a GET is sent once more, on a new connection,
   * under the same signal, so within the same deadline. A reset on a new connection is a real
   * failure, not retried. A 401 is retried once with credentials read again (a rotated token).
   */
  private async send(path: string, query: Query | undefined, signal: AbortSignal, mayRefresh: boolean): Promise<string> {
    const target = withQuery(path, query);
    let attempt = await this.attempt(target, signal);
    if ("stale" in attempt) {
      this.retries++;
      this.dropIdleConnections(); // they were idle as long as the dead one: likely dead too
      attempt = await this.attempt(target, signal);
      if ("stale" in attempt) throw attempt.stale;
    }
    if (attempt.code === 401 && mayRefresh) {
      this.credentials.invalidate();
      return this.send(path, query, signal, false);
    }
    if (attempt.code !== 200) throw new ApiError(attempt.code, parseStatus(attempt.body));
    return attempt.body;
  }

  private async attempt(target: string, signal: AbortSignal): Promise<{ code: number; body: string } | { stale: Error }> {
    const { request, release } = await this.open(target, signal);
    try {
      return await new Promise((resolve, reject) => {
        request.on("error", (err: NodeJS.ErrnoException) => {
          if (signal.aborted) reject(new Aborted("aborted"));
          else if (request.reusedSocket && STALE_CONNECTION_CODES.has(err.code ?? "")) resolve({ stale: err });
          else reject(err);
        });
        request.on("response", (res) => {
          collect(res, MAX_BODY_BYTES).then(
            (body) => resolve({ code: res.statusCode ?? 0, body }),
            (err: Error) => reject(signal.aborted ? new Aborted("aborted") : err),
          );
        });
        request.end();
      });
    } finally {
      release();
    }
  }

  /** A request on the pool, cancelled by `signal`; `release` removes the abort listener. */
  private async open(target: string, signal: AbortSignal): Promise<{ request: http.ClientRequest; release: () => void }> {
    if (signal.aborted) throw new Aborted("aborted before the request");
    const credentials = await this.credentials.current();
    if (signal.aborted) throw new Aborted("aborted before the request");
    const server = this.credentials.server;
    const secure = server.protocol === "https:";
    const request = (secure ? https : http).request({
      protocol: server.protocol,
      hostname: server.hostname.replace(/^\[|\]$/g, ""),
      port: server.port || (secure ? 443 : 80),
      path: `${server.pathname.replace(/\/$/, "")}${target}`,
      method: "GET",
      headers: { accept: "application/json", ...credentials.headers },
      agent: this.agentFor(credentials, secure),
    });
    // Destroyed without an error: destroying with one while the answer is being read also destroys the
    // socket with it, and Node emits that error on the socket, which has no listener then (an uncaught
    // exception). The request's handlers turn an abort into `Aborted` themselves.
    const onAbort = () => request.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    return { request, release: () => signal.removeEventListener("abort", onAbort) };
  }

  /**
   * Same TLS material → same pool. Rotated CA or client certificate files give a new pool (the old one's
   * idle sockets just expire). Credentials are re-read at most every minute and come back as the same
   * object meanwhile, so the fingerprint is computed once per reading, not per request.
   */
  private agentFor(credentials: RequestCredentials, secure: boolean): http.Agent {
    if (credentials.agent) return credentials.agent;
    if (this.pool?.credentials === credentials) return this.pool.agent;
    const { ca, cert, key, rejectUnauthorized, servername } = credentials.tls;
    const fingerprint = createHash("sha256")
      .update(JSON.stringify([secure, String(ca ?? ""), String(cert ?? ""), String(key ?? ""), rejectUnauthorized, servername]))
      .digest("hex");
    if (this.pool?.fingerprint !== fingerprint) {
      const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: "lifo" as const };
      const agent = secure
        ? new OneServerAgent({ ...options, ca, cert, key, servername, ...(rejectUnauthorized === false ? { rejectUnauthorized } : {}) })
        : new http.Agent(options);
      this.pool = { fingerprint, credentials, agent };
    } else this.pool = { ...this.pool, credentials };
    return this.pool.agent;
  }

  private dropIdleConnections(): void {
    for (const sockets of Object.values(this.pool?.agent.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
  }
}

/**
 * An https.Agent whose connections all share one TLS configuration (a pool is made per configuration,
 * see `agentFor`): a connection is told apart by host and port alone. Node's default name appends the
 * CA, certificate and key to that, turning each PEM buffer into a string on every request.
 */
class OneServerAgent extends https.Agent {
  override getName(options?: { host?: string | null; port?: number | string | null; localAddress?: string }): string {
    return `${options?.host ?? "localhost"}:${options?.port ?? ""}:${options?.localAddress ?? ""}`;
  }
}

/** The whole body of a response, at most `limit` bytes. */
function collect(res: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    res.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) res.destroy(new Error(`answer larger than ${limit} bytes`));
      else chunks.push(chunk);
    });
    res.on("end", () => resolve(Buffer.concat(chunks, length).toString("utf8")));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("answer cut off")));
  });
}
