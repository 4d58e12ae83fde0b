// `cnp-webhook serve`: the webhook over HTTPS, metrics over plain HTTP.
// Certificates: the server starts even when the files are not there yet (a Secret volume populated
// late, a cert-manager Certificate not issued yet): it serves a throwaway placeholder, /readyz answers
// 503, and the reloader picks the real pair up as soon as it appears. It never crashes for want of one.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { Server as NetServer, type AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Enforcement } from "../admission/enforcement.js";
import type { Registry } from "../admission/rule.js";
import type { RuleSettings } from "../admission/settings.js";
import type { AdmissionOptions } from "../admission/options.js";
import { noCluster, type ReferenceResolver } from "../references/resolver.js";
import { createRequestListener } from "./app.js";
import { createLogger } from "./log.js";
import { Metrics } from "./metrics.js";
import { CertificateReloader, placeholderPair, readClientCa, secureContextOptions, type CertificateReloaderOptions, type ServingPair } from "./tls.js";

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** 0 disables the metrics listener; "ephemeral" listens on a free port (tests). */
  readonly metricsPort: number | "ephemeral";
  readonly metricsHost?: string;
  /** Serve /metrics over HTTPS with the serving certificate (flag --metrics-tls). */
  readonly metricsTls?: boolean;
  readonly defaultImage: string;
  readonly strictReferences: boolean;
  readonly lookupTimeoutMs: number;
  /**
   * How long /readyz waits for the resolver's caches to sync (README "References"); after that the
   * server is ready anyway and answers through GETs and "could not verify" until they do.
   */
  readonly cacheSyncTimeoutMs?: number;
  /** deny (default) or warn, for every rule or some (README "Rolling out"). */
  readonly enforcement?: Enforcement;
  /** Honour the annotation cnp-webhook.io/ignore (README "Checking manifests in CI"). */
  readonly allowIgnoreAnnotation?: boolean;
  /** Thresholds and target release for the rules (flags of serve); the defaults when absent. */
  readonly settings?: RuleSettings;
  /**
   * Names the serving certificate's SANs must cover: the Service's DNS name as the apiserver calls it
   * (`serve --service`, `--namespace`) and any --tls-san; a certificate that does not is refused.
   */
  readonly servingNames?: readonly string[];
  /** Reload timing (tests make it fast); defaults suit a Secret volume. */
  readonly certificateReload?: Pick<CertificateReloaderOptions, "pollIntervalMs" | "debounceMs" | "settleMs" | "watch">;
  /** PEM file of the CA whose client certificates may call the admission paths (--client-ca); probes stay open. */
  readonly clientCa?: string;
  /** Connection bounds; CONNECTION_LIMITS unless a test needs them shorter. */
  readonly connectionLimits?: Partial<ConnectionLimits>;
}

export interface ConnectionLimits {
  /** A TLS handshake, then the request headers, then the whole request: each within its bound. */
  readonly handshakeTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** How often the server checks those bounds (Node checks every 30 s by default). */
  readonly checkIntervalMs: number;
  /** Idle kept-alive connections live longer than the apiserver keeps them (90 s), so it never reuses one being closed. */
  readonly keepAliveTimeoutMs: number;
  /** At shutdown, how long open connections are still served (each answer closing its connection) before the idle ones are closed. */
  readonly shutdownLingerMs: number;
  readonly maxConnections: number;
}

/**
 * The apiserver gives a webhook at most 30 s (the longest timeoutSeconds Kubernetes allows); nothing
 * the webhook serves needs longer. A slow or silent client is cut off instead of holding a socket.
 */
const CONNECTION_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  keepAliveTimeoutMs: 120_000,
  // Far longer than a request already on its way takes to arrive; short within the 8 s of draining.
  shutdownLingerMs: 1_000,
  // About 50 KiB each when kept alive idle (`make hostile`): 1,024 of them fit within the Pod's memory limit.
  maxConnections: 1_024,
};

/**
 * Node's own request timeout, one check later than the admission paths' (app.ts `readBody`): those
 * cut a late body themselves, with a 408 that says why; Node's check is the bound of every other path.
 */
const backstop = (limits: ConnectionLimits): number => limits.requestTimeoutMs + limits.checkIntervalMs;

export interface ServeDependencies {
  /** Every kind's defaults and rules (the composition root's registry). */
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly resolver?: ReferenceResolver;
}

export interface RunningServer {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly https: HttpsServer;
  readonly reloader: CertificateReloader;
  /** A serving certificate is loaded, the caches have synced (or stopped being waited for), and the server is not shutting down (what /readyz says). */
  isReady(): boolean;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Stops accepting, lets in-flight requests finish, then closes; forcibly after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

const listen = (server: HttpServer | HttpsServer, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

/**
 * Stops accepting, answers what comes on the open connections, then resolves; forcibly after `graceMs`.
 * Keep-alive is what makes this subtle. Node's `server.close()` destroys idle kept-alive connections
 * at once, and a request the client is sending on one at that moment meets a reset (5 of 8 sent 0–7 ms
 * after SIGTERM, test/shutdown.test.ts); the apiserver does not send a POST again after that, so the
 * write it was admitting fails. So at first only the listener is closed: for `lingerMs` the open
 * connections are served, every answer saying `Connection: close` (the client then knows not to reuse
 * the connection); only then are the idle ones closed.
 */
function closeGracefully(server: HttpServer | HttpsServer, graceMs: number, lingerMs: number, drain: Drain): Promise<void> {
  return new Promise((resolve) => {
    drain.closing = true;
    for (const res of drain.inFlight) if (!res.headersSent) res.setHeader("connection", "close");
    let sweep: NodeJS.Timeout | undefined;
    const linger = setTimeout(() => {
      server.close(); // now Node's own: closes the idle connections and stops its timeout checks
      sweep = setInterval(() => server.closeIdleConnections(), 250);
    }, lingerMs);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    // The listener only (net.Server's close): calls back once the last connection has ended.
    netServerClose.call(server, () => {
      for (const timer of [linger, force]) clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
  });
}

const netServerClose = NetServer.prototype.close;

/** The responses being written, so that shutdown can mark them `Connection: close`. */
interface Drain {
  closing: boolean;
  readonly inFlight: Set<ServerResponse>;
}

function draining(handler: (req: IncomingMessage, res: ServerResponse) => void): { drain: Drain; handler: typeof handler } {
  const drain: Drain = { closing: false, inFlight: new Set() };
  return {
    drain,
    handler: (req, res) => {
      // A request that arrives on a kept-alive connection during shutdown is answered, then the connection closes.
      if (drain.closing) res.setHeader("connection", "close");
      drain.inFlight.add(res);
      res.on("close", () => drain.inFlight.delete(res));
      handler(req, res);
    },
  };
}

/**
 * Readiness waits for the resolver's caches, within a bound: a cache that cannot sync must not keep
 * the webhook out of service (its lookups fall back to GETs and "could not verify").
 */
function waitForCaches(resolver: ReferenceResolver, timeoutMs: number, logger: Logger): { pending: () => string | undefined; stop: () => void } {
  const sync = resolver.caches;
  if (!sync || timeoutMs <= 0) return { pending: () => undefined, stop: () => {} };
  let waiting = sync.pending() !== undefined;
  const started = Date.now();
  const stopped = new AbortController();
  if (waiting)
    void sync.wait(timeoutMs, stopped.signal).then((synced) => {
      waiting = false;
      if (stopped.signal.aborted) return;
      if (synced) logger.info({ durationMs: Date.now() - started }, "caches synced: ready");
      else logger.warn({ waitedMs: timeoutMs, pending: sync.pending() }, "caches not synced in time: ready, answering through GETs until they are");
    });
  return {
    pending: () => (waiting ? sync.pending() : undefined),
    stop: () => stopped.abort(),
  };
}

interface ServerWithDrain {
  readonly server: HttpServer | HttpsServer;
  readonly drain: Drain;
  /** The same server when it speaks TLS: its certificate is reloaded with the webhook's. */
  readonly https?: HttpsServer;
}

/**
 * /metrics on a listener of its own: plain HTTP, or HTTPS with the serving pair (`tls`, flag
 * --metrics-tls). The same bounds as the webhook port: a slow or silent scraper does not hold a socket either.
 */
function createMetricsServer(metrics: Metrics, limits: ConnectionLimits, tls: ServingPair | undefined): ServerWithDrain {
  const { drain, handler } = draining((req, res) => {
    if (req.method !== "GET" || req.url !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  const bounds = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: backstop(limits),
    connectionsCheckingInterval: limits.checkIntervalMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
  if (tls) {
    const server = createHttpsServer({ ...secureContextOptions(tls), handshakeTimeout: limits.handshakeTimeoutMs, ...bounds }, handler);
    server.maxConnections = limits.maxConnections;
    return { server, drain, https: server };
  }
  const server = createHttpServer(bounds, handler);
  server.maxConnections = limits.maxConnections;
  return { server, drain };
}

/** What admissions are judged with: the flags, the resolver, and where lookups are counted and logged. */
function admissionOptions(options: ServeOptions, resolver: ReferenceResolver, metrics: Metrics, logger: Logger): AdmissionOptions {
  return {
    defaultImage: options.defaultImage,
    strictReferences: options.strictReferences,
    lookupTimeoutMs: options.lookupTimeoutMs,
    ...(options.settings ? { settings: options.settings } : {}),
    // With --client-ca every admission caller holds a verified certificate (app.ts answers 403 otherwise):
    // the apiserver, which may hear everything. Without it, anyone who reaches the port may be asking.
    disclosure: options.clientCa ? "full" : "restricted",
    resolver,
    observeLookup: (kind, namespace, name, outcome, why) => {
      metrics.lookups.inc({ kind, outcome });
      // Without a cluster every lookup is unknown by design: nothing to log.
      if (outcome === "unknown" && resolver !== noCluster) logger.warn({ kind, namespace, name, why }, "reference lookup failed");
    },
  };
}

export async function startServer(options: ServeOptions, deps: ServeDependencies): Promise<RunningServer> {
  const logger = deps.logger ?? createLogger();
  const metrics = deps.metrics ?? new Metrics();
  const resolver = deps.resolver ?? noCluster;
  const limits = { ...CONNECTION_LIMITS, ...options.connectionLimits };
  const clientCa = options.clientCa ? readClientCa(options.clientCa) : undefined;
  let https: HttpsServer | undefined;
  let metricsHttps: HttpsServer | undefined;
  let closing = false;
  const reloader = new CertificateReloader({
    certFile: options.tlsCert,
    keyFile: options.tlsKey,
    ...(options.servingNames ? { names: options.servingNames } : {}),
    // Existing connections keep the context they were handshaken with; new ones get the new pair.
    // Prometheus presents no client certificate: /metrics over HTTPS never asks for one.
    apply: (pair) => {
      https?.setSecureContext(secureContextOptions(pair, clientCa));
      metricsHttps?.setSecureContext(secureContextOptions(pair));
    },
    metrics,
    logger,
    ...options.certificateReload,
  });
  // A pair that is there but refused ends the start-up, saying why (a Pod that restarts with the reason
  // in its log, not one that is never ready for no visible reason); missing files are waited for.
  await reloader.load();
  const caches = waitForCaches(resolver, options.cacheSyncTimeoutMs ?? 0, logger);
  const notReadyBecause = (): string | undefined => {
    if (closing) return "shutting down";
    if (reloader.current === undefined) return `serving certificate not loaded${reloader.refusal ? `: ${reloader.refusal.message}` : ""}`;
    if (reloader.current.notAfter.getTime() <= Date.now()) return `serving certificate expired at ${reloader.current.notAfter.toISOString()}`;
    return caches.pending();
  };
  if (resolver.caches) metrics.watchCaches(resolver.caches);
  // Ready, but what an operator should know: the certificate files hold a pair that was refused; a
  // cache is not current. Neither takes the Pod out of service (README "Reliability"): the previous
  // certificate still works, and a webhook that answers "could not verify" beats one nobody can call.
  const readinessNotes = (): string[] => {
    const refusal = reloader.refusal;
    const notes =
      refusal && reloader.current
        ? [`new serving certificate refused (${refusal.reason}): ${refusal.message}; serving the previous one (serial ${reloader.current.serialNumber})`]
        : [];
    for (const cache of caches.pending() === undefined ? (resolver.caches?.health() ?? []) : [])
      if (cache.why) notes.push(`${cache.why}; lookups that depend on it answer "could not verify"`);
    return notes;
  };
  const isReady = () => notReadyBecause() === undefined;

  const app = createRequestListener({
    logger,
    metrics,
    notReadyBecause,
    readinessNotes,
    requireClientCertificate: clientCa !== undefined,
    requestTimeoutMs: limits.requestTimeoutMs,
    registry: deps.registry,
    ...(options.enforcement ? { enforcement: options.enforcement } : {}),
    allowIgnoreAnnotation: options.allowIgnoreAnnotation ?? false,
    options: admissionOptions(options, resolver, metrics, logger),
  });
  const initial = reloader.current ?? (await placeholderPair());
  const { drain, handler } = draining(app);
  https = createHttpsServer(
    {
      ...secureContextOptions(initial, clientCa),
      // Probes (the kubelet presents no certificate) complete the handshake; the admission paths refuse unauthorized peers.
      requestCert: clientCa !== undefined,
      rejectUnauthorized: false,
      handshakeTimeout: limits.handshakeTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: backstop(limits),
      connectionsCheckingInterval: limits.checkIntervalMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    },
    handler,
  );
  https.maxConnections = limits.maxConnections;
  // The files may have appeared while the placeholder was generated.
  if (reloader.current) https.setSecureContext(secureContextOptions(reloader.current, clientCa));
  reloader.start();
  if (!reloader.current) logger.warn({ certFile: options.tlsCert, keyFile: options.tlsKey }, "no serving certificate yet: not ready until it is loaded");
  https.on("tlsClientError", (err) => logger.debug({ err: err.message }, "TLS handshake failed"));
  let port: number;
  try {
    port = await listen(https, options.port, options.host);
  } catch (err) {
    reloader.stop();
    throw err;
  }
  // Without a listener, an accept() that fails (EMFILE) would end the process (listening errors are the caller's).
  https.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EMFILE" || err.code === "ENFILE") {
      metrics.filesExhausted.inc({ during: "accept" });
      logger.warn({ code: err.code }, "out of file descriptors: a connection was not accepted");
    } else logger.error({ err }, "HTTPS server error");
  });

  let metricsPort: number | undefined;
  let metricsServer: ServerWithDrain | undefined;
  if (options.metricsPort !== 0) {
    metricsServer = createMetricsServer(metrics, limits, options.metricsTls ? (reloader.current ?? initial) : undefined);
    metricsHttps = metricsServer.https;
    try {
      metricsPort = await listen(metricsServer.server, options.metricsPort === "ephemeral" ? 0 : options.metricsPort, options.metricsHost ?? options.host);
    } catch (err) {
      reloader.stop();
      https.close();
      throw err;
    }
  }
  const enforcement = options.enforcement && { mode: options.enforcement.mode, warnOnly: [...options.enforcement.warnOnly] };
  logger.info(
    { port, metricsPort, metricsTls: options.metricsTls === true, resolver: resolver.source, strictReferences: options.strictReferences, enforcement },
    "serving",
  );

  const server = https;
  return {
    port,
    metricsPort,
    https: server,
    reloader,
    isReady,
    metrics,
    logger,
    close: async (graceMs = 8000) => {
      closing = true;
      const lingerMs = Math.min(limits.shutdownLingerMs, graceMs);
      caches.stop();
      reloader.stop();
      await Promise.all([
        closeGracefully(server, graceMs, lingerMs, drain),
        metricsServer ? closeGracefully(metricsServer.server, graceMs, lingerMs, metricsServer.drain) : undefined,
      ]);
    },
  };
}
