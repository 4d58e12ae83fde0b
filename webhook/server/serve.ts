// `cnp-webhook serve`: the webhook over HTTPS, metrics over plain HTTP.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { noCluster, type ReferenceResolver } from "../references/resolver.js";
import { createWebhookApp } from "./app.js";
import { createLogger, type Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import { loadServingPair } from "./tls.js";

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** 0 disables the metrics listener. */
  readonly metricsPort: number;
  readonly metricsHost?: string;
  readonly defaultImage: string;
  readonly strictReferences: boolean;
  readonly lookupTimeoutMs: number;
}

export interface ServeDependencies {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly resolver?: ReferenceResolver;
}

export interface RunningServer {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly https: HttpsServer;
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

function closeGracefully(server: HttpServer | HttpsServer, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Keep-alive connections without a request in flight would hold close() open.
    server.closeIdleConnections();
  });
}

export async function startServer(options: ServeOptions, deps: ServeDependencies = {}): Promise<RunningServer> {
  const logger = deps.logger ?? createLogger();
  const metrics = deps.metrics ?? new Metrics();
  const resolver = deps.resolver ?? noCluster;
  const pair = loadServingPair(options.tlsCert, options.tlsKey);
  metrics.certificateExpiry.set(pair.notAfter.getTime() / 1000);

  const app = createWebhookApp({
    logger,
    metrics,
    isReady: () => true,
    admission: {
      defaultImage: options.defaultImage,
      strictReferences: options.strictReferences,
      lookupTimeoutMs: options.lookupTimeoutMs,
      resolver,
      observeLookup: (kind, namespace, name, outcome, why) => {
        metrics.lookups.inc({ kind, outcome });
        // Without a cluster every lookup is unknown by design: nothing to log.
        if (outcome === "unknown" && resolver !== noCluster) logger.warn({ kind, namespace, name, why }, "reference lookup failed");
      },
    },
  });
  const https = createHttpsServer({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2", keepAliveTimeout: 30_000 }, app);
  https.on("tlsClientError", (err) => logger.debug({ err: err.message }, "TLS handshake failed"));
  const port = await listen(https, options.port, options.host);

  let metricsServer: HttpServer | undefined;
  let metricsPort: number | undefined;
  if (options.metricsPort !== 0) {
    metricsServer = createHttpServer((req, res) => {
      if (req.method !== "GET" || req.url !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    metricsPort = await listen(metricsServer, options.metricsPort, options.metricsHost ?? options.host);
  }
  logger.info({ port, metricsPort, resolver: resolver.source, strictReferences: options.strictReferences }, "serving");

  return {
    port,
    metricsPort,
    https,
    metrics,
    logger,
    close: async (graceMs = 8000) => {
      await Promise.all([closeGracefully(https, graceMs), metricsServer ? closeGracefully(metricsServer, graceMs) : undefined]);
    },
  };
}
