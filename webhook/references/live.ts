// Picks the resolver for `serve` and `validate --kubeconfig`: the live API when there is cluster
// access, "no cluster" otherwise (the server still starts; references are reported unverified).
import type { Logger } from "../server/log.js";
import { KubeResolver, loadKubeConfig } from "./kube.js";
import { noCluster, type ReferenceResolver } from "./resolver.js";

export function resolverFor(kubeconfig: string | undefined, logger: Logger): ReferenceResolver {
  const loaded = loadKubeConfig({ kubeconfig });
  if (!loaded) {
    logger.warn("no cluster access (no --kubeconfig, not in a Pod): reference checks will report 'could not verify'");
    return noCluster;
  }
  return new KubeResolver({ config: loaded.config, source: loaded.source });
}
