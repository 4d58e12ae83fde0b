// The three kinds as the webhook serves them: per role the HTTP path,
// the name in the webhook configurations and the metric label. Server, install and tests read these.
import { GROUP, KINDS, VERSION, kindInfo, type KindName } from "../schemas/kinds.js";
import { NAME } from "./deployment.js";

export const ROLES = ["mutate", "validate"] as const;
export type Role = (typeof ROLES)[number];

export interface Route {
  readonly role: Role;
  readonly kind: KindName;
  /** controller-runtime's convention: `/validate-postgresql-k8s-enterprisedb-io-v1alpha1-cluster`. */
  readonly path: string;
  /** The webhook's name in its configuration: `vcluster.cnp-webhook.postgresql.k8s.enterprisedb.io`. */
  readonly webhookName: string;
  /** Label of the metrics and logs: `validate-cluster`. */
  readonly label: string;
}

export function route(role: Role, kind: KindName): Route {
  const { singular } = kindInfo(kind);
  return {
    role,
    kind,
    path: `/${role}-${GROUP.replaceAll(".", "-")}-${VERSION}-${singular}`,
    webhookName: `${role === "mutate" ? "m" : "v"}${singular}.${NAME}.${GROUP}`,
    label: `${role}-${singular}`,
  };
}

/** Every admission path: each kind, both roles. */
export const ROUTES: readonly Route[] = KINDS.flatMap((k) => ROLES.map((role) => route(role, k.kind)));
