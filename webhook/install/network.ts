// The network-policy component (README "Install and operate"): the webhook port open to the apiserver,
// /metrics to the monitoring namespace only, and egress to the Kubernetes API only.
import { METRICS_PORT, MONITORING_NAMESPACE, NAME, WEBHOOK_PORT } from "../deployment.js";
import { labels, meta, type Obj } from "./meta.js";

/** The API server as Pods reach it: the `kubernetes` Service's port, and the port most control planes listen on behind it. */
const API_SERVER_PORTS = [443, 6443] as const;

export function networkPolicy(namespace: string): Obj {
  const tcp = (port: number) => ({ protocol: "TCP", port });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(NAME, namespace),
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        // The apiserver is not a Pod: no selector can name it, so the webhook port is open to every
        // source, as it must be for admissions (and the kubelet's probes) to arrive.
        { ports: [tcp(WEBHOOK_PORT)] },
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": MONITORING_NAMESPACE } } }], ports: [tcp(METRICS_PORT)] },
      ],
      // Reference lookups go to the API server (its address comes from KUBERNETES_SERVICE_HOST, no DNS).
      egress: [{ ports: API_SERVER_PORTS.map(tcp) }],
    },
  };
}
