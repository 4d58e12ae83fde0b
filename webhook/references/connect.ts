// Picks the resolver for `serve` and `validate --kubeconfig`: the live API when there is cluster
// access, "no cluster" otherwise (the server still starts; references are reported unverified).
import { existsSync } from "node:fs";
import type { Logger } from "pino";
import { noCluster, type ReferenceResolver } from "./resolver.js";
import { SERVICE_ACCOUNT_DIR } from "./serviceaccount.js";

/** Whether any cluster access is configured, decided without the client library (slow to import). */
function clusterAccessConfigured(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): boolean {
  return Boolean(kubeconfig || env.KUBECONFIG || (env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`)));
}

export async function resolverFor(kubeconfig: string | undefined, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<ReferenceResolver> {
  if (clusterAccessConfigured(kubeconfig, env)) {
    // @kubernetes/client-node takes most of a second to import: only pay for it with a cluster to talk to.
    const { KubeResolver, loadKubeConfig } = await import("./kube.js");
    const loaded = loadKubeConfig({ kubeconfig, env });
    if (loaded) return new KubeResolver({ config: loaded.config, source: loaded.source });
  }
  logger.warn("no cluster access (no --kubeconfig, not in a Pod): reference checks will report 'could not verify'");
  return noCluster;
}
