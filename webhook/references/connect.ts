// Picks the resolver for `serve`, `validate --kubeconfig` and `audit`: the live API when there is
// cluster access, "no cluster" otherwise (the server still starts; references are reported unverified).
// The commands that end first ask whether the API server answers at all, so that an unreachable one
// is one line within seconds, not minutes of retried lists (README "Auditing a cluster").
import type { Logger } from "pino";
import { Aborted, ApiError, connectionProblem, KubeApi } from "./api.js";
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
  /** What the caches report (lists, failures); `serve` logs it, commands that end decide on it. */
  readonly observe?: (event: InformerEvent) => void;
  /** How long a Secret found to hold the keys a lookup needs answers without another GET (kube.ts); 0: never. */
  readonly secretReuseMs?: number;
}

/** How long `audit` and `validate --kubeconfig` wait for the API server's first answer. */
export const REACH_TIMEOUT_MS = 5000;

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

/** The API of the configured cluster (`--kubeconfig`, `KUBECONFIG`, a Pod's service account); undefined without credentials. */
export function clusterApi(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeApi | undefined {
  const credentials = loadKubeConfig({ env, ...(kubeconfig ? { kubeconfig } : {}) });
  return credentials ? new KubeApi(credentials) : undefined;
}

/** A resolver over `api` with its caches started (listing, and watching for `serve`). */
export function clusterResolver(api: KubeApi, view: ClusterView): CachedResolver {
  return new CachedResolver(new KubeResolver(api, view.secretReuseMs === undefined ? {} : { secretReuseMs: view.secretReuseMs }), {
    watch: view.watch,
    ...(view.observe ? { observe: view.observe } : {}),
    ...(view.pageSize ? { pageSize: view.pageSize } : {}),
  }).start();
}

/**
 * Whether the API server answers: one GET of /version (public to every authenticated client).
 * undefined when it does; otherwise why not, in words a user acts on ("connection refused", "no answer
 * within 5 s", "the API server refused the credentials (401 Unauthorized)").
 */
export async function unreachable(api: KubeApi, timeoutMs = REACH_TIMEOUT_MS): Promise<string | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await api.getJSON("/version", controller.signal);
    return undefined;
  } catch (err) {
    if (err instanceof Aborted) return `no answer within ${timeoutMs / 1000} s`;
    if (err instanceof ApiError) return err.code === 401 ? `the API server refused the credentials (${err.message})` : undefined;
    if (err instanceof SyntaxError) return "the server answered, but not as a Kubernetes API server";
    return connectionProblem(err) ?? (err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
}

/** Where a command's cluster is, for messages: `https://10.0.0.1:6443 (kubeconfig /home/me/.kube/config)`. */
export const describeApi = (api: KubeApi): string => `${api.server.origin} (${api.credentials.source})`;

export async function resolverFor(
  kubeconfig: string | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  view: ClusterView = { watch: false },
): Promise<ReferenceResolver> {
  const api = clusterApi(kubeconfig, env);
  if (api) return clusterResolver(api, { observe: logInformerEvent(logger), ...view });
  logger.warn("no cluster access (no --kubeconfig, not in a Pod): reference checks will report 'could not verify'");
  return noCluster;
}
