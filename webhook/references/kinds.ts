// The objects rules may look up, in one table: where the API serves each, and the verbs the webhook
// needs on it. Resolvers, the fake API server of the tests and the install's ClusterRole derive from it.
import type { Backup, Cluster } from "../../generated/types/index.js";
import { GROUP, VERSION } from "../../schemas/kinds.js";

/** All that is ever kept of a Secret: its name and key names. Values never leave the resolver. */
export interface SecretKeys {
  readonly name: string;
  readonly keys: readonly string[];
}

export interface ReferenceKindInfo {
  /** API group ("" is the core group) and version, as in RBAC rules and REST paths. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** What the webhook may do: Secrets are read by name only, never listed (README "References"). */
  readonly verbs: readonly ("get" | "list" | "watch")[];
}

export const REFERENCE_KINDS = {
  Secret: { group: "", version: "v1", plural: "secrets", verbs: ["get"] },
  Cluster: { group: GROUP, version: VERSION, plural: "clusters", verbs: ["get", "list", "watch"] },
  Backup: { group: GROUP, version: VERSION, plural: "backups", verbs: ["get", "list", "watch"] },
} as const satisfies Record<string, ReferenceKindInfo>;

export type ReferenceKind = keyof typeof REFERENCE_KINDS;

/** What a lookup of each kind yields. */
export interface ReferenceObjects {
  Secret: SecretKeys;
  Cluster: Cluster;
  Backup: Backup;
}
type Exhaustive<T extends Record<ReferenceKind, unknown>> = T;
export type ReferenceObject<K extends ReferenceKind> = Exhaustive<ReferenceObjects>[K];

export const REFERENCE_KIND_NAMES = Object.keys(REFERENCE_KINDS) as ReferenceKind[];

/** `v1` or `postgresql.k8s.enterprisedb.io/v1alpha1`, as objects of the kind carry it. */
export const apiVersionOf = (kind: ReferenceKind): string => {
  const { group, version } = REFERENCE_KINDS[kind];
  return group === "" ? version : `${group}/${version}`;
};
