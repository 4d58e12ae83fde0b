// An HTTPS client the way the kube-apiserver is one: it trusts the CA only and sends the Service name
// as SNI; plus polling helpers for tests.
import type { IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { type ConnectionOptions, createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { SERVER_NAME } from "./certs.js";

export interface Reply {
  readonly status: number;
  readonly body: string;
  /** fingerprint256 of the certificate the server presented. */
  readonly peer: string;
  readonly reusedSocket: boolean;
  readonly headers: IncomingHttpHeaders;
}

export interface RequestOptions {
  readonly path: string;
  readonly method?: string;
  /** Sent as JSON; `raw` is sent as it is. */
  readonly body?: unknown;
  readonly raw?: string | Buffer;
  readonly contentType?: string;
  readonly agent?: https.Agent | false;
  readonly timeoutMs?: number;
  /** A client certificate and key (PEM) to present. */
  readonly identity?: { readonly cert: string; readonly key: string };
}

/**
 * One TLS context per trust and identity, as a real client keeps: building it parses the CA (and key)
 * again, which for a test's hundreds of requests cost more CPU than the webhook answering them.
 */
const contexts = new Map<string, SecureContext>();
function contextFor(ca: string | Buffer, identity: RequestOptions["identity"]): SecureContext {
  const key = `${ca.toString()}\0${identity?.cert ?? ""}\0${identity?.key ?? ""}`;
  let context = contexts.get(key);
  if (!context) {
    context = createSecureContext({ ca, ...(identity ? { cert: identity.cert, key: identity.key } : {}) });
    contexts.set(key, context);
  }
  return context;
}

/** The fingerprint of the certificate a connection was set up with, read once per connection. */
const peers = new WeakMap<TLSSocket, string>();
function peerOf(socket: TLSSocket): string {
  let peer = peers.get(socket);
  if (peer === undefined) {
    peer = socket.getPeerCertificate().fingerprint256;
    peers.set(socket, peer);
  }
  return peer;
}

export function request(port: number, ca: string | Buffer, options: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = options.raw !== undefined ? Buffer.from(options.raw) : options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    // https.RequestOptions lacks tls.connect's secureContext, which the Agent passes on to it.
    const connection: https.RequestOptions & Pick<ConnectionOptions, "secureContext"> = {
      host: "127.0.0.1",
      port,
      path: options.path,
      method: options.method ?? (payload ? "POST" : "GET"),
      ca, // kept beside the context: an Agent pools connections by it
      secureContext: contextFor(ca, options.identity),
      servername: SERVER_NAME,
      agent: options.agent ?? false,
      ...(options.identity ? { cert: options.identity.cert, key: options.identity.key } : {}),
      headers: payload ? { "content-type": options.contentType ?? "application/json", "content-length": payload.length } : {},
      timeout: options.timeoutMs ?? 10_000,
    };
    const req = https.request(connection, (res) => {
      const chunks: Buffer[] = [];
      const peer = peerOf(res.socket as TLSSocket);
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), peer, reusedSocket: req.reusedSocket, headers: res.headers }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(payload);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `condition` every 10 ms; rejects with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
