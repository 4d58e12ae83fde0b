// Picks the resolver for `serve`, `validate --kubeconfig` and `audit`: the live API when there is
// cluster access, "no cluster" otherwise (the server still starts; references are reported unverified).
import type { Logger } from "pino";
import { KubeApi } from "./api.js";
import { CachedResolver } from "./cached.js";
import { loadKubeConfig } from "./credentials.js";
import type { InformerEvent } from "./informer.js";
import { KubeResolver } from "./kube.js";
import { noCluster, type ReferenceResolver } from "./resolver.js";

export interface ClusterView {
  /** true: watch caches that follow the cluster (`serve`); false: one listing, for a command that ends (`validate`, `audit`). */
  readonly watch: boolean;
  /** Items per list page. */
  readonly pageSize?: number;
  /** How long a Secret found to hold the keys a lookup needs answers without another GET (kube.ts); 0: never. */
  readonly secretReuseMs?: number;
}

/** Informer events as log lines: the first sync at info, failures at warn. */
export function logInformerEvent(logger: Logger): (event: InformerEvent) => void {
  return (event) => {
    if (event.type === "synced") {
      if (event.first) logger.info({ kind: event.kind, objects: event.objects, durationMs: event.ms }, "cache synced");
      else logger.info({ kind: event.kind, objects: event.objects, durationMs: event.ms }, "cache relisted");
    } else if (event.type === "relist") logger.warn({ kind: event.kind, reason: event.reason }, "cache relisting");
    else {
      const err = event.error instanceof Error ? event.error.message : String(event.error);
      logger.warn({ kind: event.kind, during: event.during, err, retryInMs: event.retryInMs }, event.retryInMs < 0 ? "cache gave up" : "cache failed");
    }
  };
}

/** The API of the configured cluster and a resolver with its caches started; undefined without credentials. */
export function connectCluster(
  kubeconfig: string | undefined,
  logger: Logger,
  view: ClusterView,
  env: NodeJS.ProcessEnv = process.env,
): { api: KubeApi; resolver: CachedResolver } | undefined {
  const credentials = loadKubeConfig({ env, ...(kubeconfig ? { kubeconfig } : {}) });
  if (!credentials) return undefined;
  const api = new KubeApi(credentials);
  const resolver = new CachedResolver(new KubeResolver(api, view.secretReuseMs === undefined ? {} : { secretReuseMs: view.secretReuseMs }), {
    watch: view.watch,
    observe: logInformerEvent(logger),
    ...(view.pageSize ? { pageSize: view.pageSize } : {}),
  }).start();
  return { api, resolver };
}

export async function resolverFor(
  kubeconfig: string | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  view: ClusterView = { watch: false },
): Promise<ReferenceResolver> {
  const cluster = connectCluster(kubeconfig, logger, view, env);
  if (cluster) return cluster.resolver;
  logger.warn("no cluster access (no --kubeconfig, not in a Pod): reference checks will report 'could not verify'");
  return noCluster;
}
