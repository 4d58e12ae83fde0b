// The webhook's NetworkPolicy (README "Install and operate"), in the default bundle: the webhook port
// open to the apiserver, /metrics to the monitoring namespace only, nothing else in. Egress is limited
// only on request (`restrict-egress`): the API server's port differs between distributions.
import { METRICS_PORT, MONITORING_NAMESPACE, NAME, WEBHOOK_PORT } from "../deployment.js";
import { labels, meta, type Obj } from "./meta.js";

/** The API server as Pods reach it: the `kubernetes` Service's port, and the port most control planes listen on behind it. */
const API_SERVER_PORTS = [443, 6443] as const;

const tcp = (port: number) => ({ protocol: "TCP", port });

/** Egress to the API server only: reference lookups go there, by IP (KUBERNETES_SERVICE_HOST, no DNS). */
export const EGRESS_TO_API_SERVER: readonly Obj[] = [{ ports: API_SERVER_PORTS.map(tcp) }];

export function networkPolicy(namespace: string, restrictEgress = false): Obj {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(NAME, namespace),
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ["Ingress", ...(restrictEgress ? ["Egress"] : [])],
      ingress: [
        // The apiserver is not a Pod: no Pod or namespace selector can name it, so the webhook port is
        // open to every source, as it must be for admissions (and the kubelet's probes) to arrive.
        { ports: [tcp(WEBHOOK_PORT)] },
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": MONITORING_NAMESPACE } } }], ports: [tcp(METRICS_PORT)] },
      ],
      ...(restrictEgress ? { egress: EGRESS_TO_API_SERVER } : {}),
    },
  };
}
