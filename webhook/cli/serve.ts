// `cnp-webhook serve`: the webhook over HTTPS until SIGTERM.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import type { LevelWithSilent } from "pino";
import { FILE_NAMES } from "../../certs/files.js";
import type { Registry } from "../admission/rule.js";
import {
  CACHE_SYNC_TIMEOUT,
  DEFAULT_POSTGRES_IMAGE,
  LISTEN_HOST,
  LOOKUP_TIMEOUT,
  METRICS_PORT,
  NAME,
  NAMESPACE,
  serviceHost,
  TLS_DIR,
  WEBHOOK_PORT,
} from "../deployment.js";
import { SERVICE_ACCOUNT_DIR } from "../references/serviceaccount.js";
import { ROUTES } from "../routes.js";
import { resolverFor } from "../references/connect.js";
import { DEFAULT_SECRET_REUSE_MS } from "../references/kube.js";
import { createLogger } from "../server/log.js";
import { startServer } from "../server/serve.js";
import { UsageError, defineCommand, dnsLabel, parseDurationMs, parsePort, type Command } from "./command.js";
import { ENFORCEMENT_OPTIONS, IGNORE_ANNOTATION_HELP, IGNORE_ANNOTATION_OPTION, parseEnforcement } from "./enforcement.js";
import { RULE_SETTING_OPTIONS, RULE_SETTINGS_HELP, ruleSettings } from "./settings.js";

const LOG_LEVELS: readonly LevelWithSilent[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

const HELP = `cnp-webhook serve: answer AdmissionReview v1 over HTTPS (TLS >= 1.2)

Paths: ${ROUTES.map((r) => r.path).join(",\n       ")},
       /healthz, /readyz; Prometheus /metrics on --metrics-port (plain HTTP; HTTPS with --metrics-tls).

Flags:
  --port N               HTTPS port (default ${WEBHOOK_PORT})
  --host ADDR            listen address (default ${LISTEN_HOST})
  --tls-cert F           serving certificate, PEM (default ${TLS_DIR}/${FILE_NAMES.cert}); reloaded when it changes
  --tls-key F            its private key, PEM (default ${TLS_DIR}/${FILE_NAMES.key})
  --service S            the Service the apiserver calls (default ${NAME}); a certificate whose SANs
  --namespace N          do not cover S.N.svc is refused, as are expired and not yet valid ones
                         (default namespace: the Pod's, else ${NAMESPACE})
  --tls-san NAMES        other names the certificate must cover, comma-separated (repeatable)
  --metrics-port N       metrics port, 0 disables (default ${METRICS_PORT})
  --metrics-tls          serve /metrics over HTTPS with the serving certificate
  --kubeconfig F         cluster access for reference checks; in a Pod the service account is used;
                         with neither, references are reported as not verified
  --lookup-timeout D     bound on all lookups of one admission (default ${LOOKUP_TIMEOUT})
  --secret-reuse D       how long a Secret found to hold the keys a Cluster names answers the next
                         admissions without another GET (default ${DEFAULT_SECRET_REUSE_MS / 1000}s, 0 never); a Secret
                         found absent or without a key, or a failed GET, is always asked again
  --cache-sync-timeout D how long /readyz waits for the Cluster and Backup caches to sync
                         (default ${CACHE_SYNC_TIMEOUT}); then it is ready and looks up by GET until they do
  --client-ca F          only clients with a certificate from this CA (PEM) may call the admission
                         paths, as the apiserver presents one per its admission configuration;
                         /healthz and /readyz stay open for the kubelet's probes; answers then
                         quote what lookups found in full (without it: nothing of other namespaces,
                         no Backup's stored error, no Secret's keys)
  --strict-references    deny instead of warn when a reference is absent or cannot be verified
  --enforcement MODE     deny (default) or warn: admit what would be denied, with warnings
                         "would deny: ...", logged and counted in cnp_webhook_would_deny_total
  --warn-only IDS        comma-separated rule IDs that only warn, as in warn mode (repeatable)
  --default-image IMG    imageName default for Clusters (default ${DEFAULT_POSTGRES_IMAGE})
${IGNORE_ANNOTATION_HELP}
${RULE_SETTINGS_HELP}
  --log-level L          ${LOG_LEVELS.join("|")} (default info)
`;

const logLevel = (text: string | undefined): LevelWithSilent => {
  const level = LOG_LEVELS.find((l) => l === (text ?? "info"));
  if (!level) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(text)}`);
  return level;
};

/** The Pod's namespace, as its service account's files say; undefined outside a Pod. */
function podNamespace(): string | undefined {
  try {
    return readFileSync(join(SERVICE_ACCOUNT_DIR, "namespace"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** What the serving certificate must cover: the Service's DNS name, then every --tls-san. */
function servingNames(service: string | undefined, namespace: string | undefined, sans: readonly string[] | undefined): string[] {
  const host = serviceHost(dnsLabel(service ?? NAME, "--service"), dnsLabel(namespace ?? podNamespace() ?? NAMESPACE, "--namespace"));
  const extra = (sans ?? [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const name of extra)
    if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) && isIP(name) === 0)
      throw new UsageError(`--tls-san "${name}" is not a DNS name or an IP address`);
  return [host, ...extra];
}

export const serveCommand = (registry: Registry): Command =>
  defineCommand({
    name: "serve",
    summary: "answer AdmissionReviews over HTTPS",
    help: HELP,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      service: { type: "string" },
      namespace: { type: "string" },
      "tls-san": { type: "string", multiple: true },
      "metrics-port": { type: "string" },
      "metrics-tls": { type: "boolean" },
      kubeconfig: { type: "string" },
      "lookup-timeout": { type: "string" },
      "cache-sync-timeout": { type: "string" },
      "secret-reuse": { type: "string" },
      "strict-references": { type: "boolean" },
      ...ENFORCEMENT_OPTIONS,
      "default-image": { type: "string" },
      ...IGNORE_ANNOTATION_OPTION,
      ...RULE_SETTING_OPTIONS,
      "log-level": { type: "string" },
      "client-ca": { type: "string" },
    },
    async run(values) {
      const options = {
        host: values.host ?? LISTEN_HOST,
        port: parsePort(values.port, WEBHOOK_PORT, "--port"),
        tlsCert: values["tls-cert"] ?? join(TLS_DIR, FILE_NAMES.cert),
        tlsKey: values["tls-key"] ?? join(TLS_DIR, FILE_NAMES.key),
        servingNames: servingNames(values.service, values.namespace, values["tls-san"]),
        metricsPort: parsePort(values["metrics-port"], METRICS_PORT, "--metrics-port"),
        defaultImage: values["default-image"] ?? DEFAULT_POSTGRES_IMAGE,
        strictReferences: values["strict-references"] ?? false,
        lookupTimeoutMs: parseDurationMs(values["lookup-timeout"] ?? LOOKUP_TIMEOUT, "--lookup-timeout"),
        cacheSyncTimeoutMs: parseDurationMs(values["cache-sync-timeout"] ?? CACHE_SYNC_TIMEOUT, "--cache-sync-timeout"),
        metricsTls: values["metrics-tls"] ?? false,
        enforcement: parseEnforcement(values.enforcement, values["warn-only"], registry),
        allowIgnoreAnnotation: values["allow-ignore-annotation"] ?? false,
        settings: ruleSettings(values),
        ...(values["client-ca"] !== undefined ? { clientCa: values["client-ca"] } : {}),
      };
      const logger = createLogger(logLevel(values["log-level"]));
      const secretReuse = values["secret-reuse"];
      const secretReuseMs =
        secretReuse === undefined ? DEFAULT_SECRET_REUSE_MS : /^0+(ms|s|m)?$/.test(secretReuse.trim()) ? 0 : parseDurationMs(secretReuse, "--secret-reuse");
      const resolver = await resolverFor(values.kubeconfig, logger, process.env, { watch: true, secretReuseMs });
      const running = await startServer(options, { registry, logger, resolver });
      // SIGTERM (README "Install and operate"): stop accepting, finish in-flight requests, exit 0 within 10 s. In-flight work is
      // bounded by --lookup-timeout; stragglers are cut off at 8 s. A second signal exits at once.
      return new Promise<number>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            logger.warn({ signal }, "second signal: exiting now");
            logger.flush();
            process.exit(1);
          }
          stopping = true;
          const started = Date.now();
          logger.info({ signal }, "shutting down: finishing in-flight requests");
          void running.close(8000).then(() => {
            resolver.close();
            logger.info({ durationMs: Date.now() - started }, "stopped");
            logger.flush();
            // Exit even if a library left a handle open; the timer itself does not keep the process alive.
            setTimeout(() => process.exit(0), 1000).unref();
            resolve(0);
          });
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
      });
    },
  });
