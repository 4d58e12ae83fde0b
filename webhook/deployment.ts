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

/** How long /readyz waits for the Cluster and Backup caches (flag --cache-sync-timeout; README "References"). */
export const CACHE_SYNC_TIMEOUT = "20s";

/**
 * Node flags of the webhook container (its NODE_OPTIONS), and what `make bench` runs the webhook with.
 * - `--max-semi-space-size=2`: Node 20 lets each young-generation semi-space grow to 16 MiB on 64-bit,
 *   memory the process keeps once grown; an admission allocates well under 1 MiB, all of it short-lived.
 * - `--max-old-space-size`: without it Node sizes the heap from the memory it sees: in a container,
 *   about the whole memory limit (nothing left for what lives outside the heap, nodejs/node#64646);
 *   elsewhere the machine's, gigabytes, under which V8 lets garbage promoted under load pile up
 *   before collecting it. Bounded, it collects early: production mode under load (20,000 objects cached,
 *   about 45 MiB of them live) peaked at 122 instead of 209–235 MiB, for more frequent full
 *   collections: 10–20 % more CPU per admission and twice the p99 under saturating load (README
 *   "Performance", the heap bound). The bound leaves room for about three times that many cached
 *   objects; MEMORY.limit stays above it plus what lives outside the heap.
 */
export const MAX_OLD_SPACE_MIB = 160;
export const NODE_OPTIONS = `--max-semi-space-size=2 --max-old-space-size=${MAX_OLD_SPACE_MIB}`;

/**
 * The container's memory, from `make bench` in production mode (README "Performance": 20,000 objects
 * cached, the soak's 3 minutes of load): about 123 MiB held under load, peak 124 MiB, 107 MiB idle.
 * The request is what it holds under load. The limit is V8's heap bound plus what lives outside the
 * heap even at the server's connection bound (`make hostile`: about 50 KiB per connection, 1,024 of
 * them): reaching the heap bound makes V8 collect, where reaching the limit would kill the Pod.
 */
export const MEMORY = { request: "128Mi", limit: "288Mi" } as const;

/** Numeric, so that `runAsNonRoot` can be verified by the kubelet; the Dockerfile uses the same uid. */
export const RUN_AS_USER = 65532;

/** timeoutSeconds per role (flag --timeout-seconds of `manifests`): defaulting does no I/O; validation waits at most --lookup-timeout. */
export const WEBHOOK_TIMEOUT_SECONDS = { mutate: 5, validate: 10 } as const;

/** failurePolicy of every webhook unless `manifests --failure-policy` says otherwise: a webhook that cannot be reached blocks. */
export const FAILURE_POLICY = "Fail";

/**
 * The operator's service account in its release manifest (cloudnative-pg v0.5.0
 * releases/postgresql-operator-0.5.0.yaml): it creates the Backups of ScheduledBackups, and the
 * `exempt-operator` component keeps those creations away from the webhook.
 */
export const OPERATOR_SERVICE_ACCOUNT = { namespace: "postgresql-operator-system", name: "postgresql-operator-manager" } as const;

/** The namespace whose Pods may scrape /metrics through the NetworkPolicy (README "Install and operate"). */
export const MONITORING_NAMESPACE = "monitoring";

/**
 * ScheduledBackups whose shortest gap between firings is below these are denied / warned (flags
 * --deny-backup-interval and --warn-backup-interval; README "Rules", schedule/frequency), in seconds.
 */
export const DENY_BACKUP_INTERVAL_SECONDS = 5 * 60;
export const WARN_BACKUP_INTERVAL_SECONDS = 60 * 60;
