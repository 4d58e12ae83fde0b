// The webhook as it is deployed: names, ports, paths and defaults. Each has its home here; the
// server's flags, the install manifests, `cnp-webhook certs` and the tests all read them from here.

/** Name of the Service, Deployment, ServiceAccount, RBAC objects and webhook configurations. */
export const NAME = "cnp-webhook";
/** Namespace of the install (flag --namespace of `manifests` and `certs`). */
export const NAMESPACE = "cnp-system";

/** The Secret holding the serving certificate, and where the Deployment mounts it. */
export const TLS_SECRET = "cnp-webhook-tls";
export const TLS_DIR = "/etc/cnp-webhook/tls";

/** HTTPS port of the admission paths and probes (README "HTTP API"). */
export const WEBHOOK_PORT = 9443;
/** Plain-HTTP port of /metrics; 0 disables it. */
export const METRICS_PORT = 8080;
/** The Service's port for the webhook (what clientConfig.service.port names). */
export const SERVICE_PORT = 443;
/** `serve` listens on every interface in a Pod; `make run` narrows it to loopback. */
export const LISTEN_HOST = "0.0.0.0";

/** The Service's DNS name inside the cluster: the name the apiserver checks the certificate against. */
export const serviceHost = (service = NAME, namespace = NAMESPACE): string => `${service}.${namespace}.svc`;

/** Cluster.spec.imageName when empty (flag --default-image; README "Rules"). */
export const DEFAULT_POSTGRES_IMAGE = "quay.io/enterprisedb/postgresql:13";

/** Bound on all lookups of one admission (flag --lookup-timeout; README "References"). */
export const LOOKUP_TIMEOUT = "2s";

/** Numeric, so that `runAsNonRoot` can be verified by the kubelet; the Dockerfile uses the same uid. */
export const RUN_AS_USER = 65532;

/**
 * ScheduledBackups whose shortest gap between firings is below these are denied / warned (flags
 * --deny-backup-interval and --warn-backup-interval; README "Rules", schedule/frequency), in seconds.
 */
export const DENY_BACKUP_INTERVAL_SECONDS = 5 * 60;
export const WARN_BACKUP_INTERVAL_SECONDS = 60 * 60;
