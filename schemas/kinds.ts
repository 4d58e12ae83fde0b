// The three kinds of the API group: names and CRD presentation. Their fields live in the JSON Schemas.

export const GROUP = "postgresql.k8s.enterprisedb.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
/** The early draft's group; manifests written for it are still around. */
export const DRAFT_API_VERSION = "postgresql.k8s.2ndq.io/v1alpha1";

export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "date" | "number" | "boolean";
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

export interface KindInfo {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly schemaFile: string;
  readonly columns: readonly PrinterColumn[];
  /** The scale subresource: only Cluster scales (spec.instances). */
  readonly scale?: { readonly specReplicasPath: string; readonly statusReplicasPath: string };
}

const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation" };
const clusterName: PrinterColumn = { name: "Cluster", type: "string", jsonPath: ".spec.cluster.name", description: "The Cluster backed up" };

export const KINDS = [
  {
    kind: "Cluster",
    plural: "clusters",
    singular: "cluster",
    shortNames: [],
    schemaFile: "cluster.schema.json",
    columns: [
      age,
      { name: "Instances", type: "integer", jsonPath: ".status.instances", description: "Number of instances" },
      { name: "Ready", type: "integer", jsonPath: ".status.readyInstances", description: "Number of ready instances" },
      { name: "Status", type: "string", jsonPath: ".status.phase", description: "Cluster health status" },
    ],
    scale: { specReplicasPath: ".spec.instances", statusReplicasPath: ".status.instances" },
  },
  {
    kind: "Backup",
    plural: "backups",
    singular: "backup",
    shortNames: [],
    schemaFile: "backup.schema.json",
    columns: [
      age,
      clusterName,
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Phase of the backup" },
      { name: "Error", type: "string", jsonPath: ".status.error", description: "Why the backup failed" },
    ],
  },
  {
    kind: "ScheduledBackup",
    plural: "scheduledbackups",
    singular: "scheduledbackup",
    shortNames: [],
    schemaFile: "scheduledbackup.schema.json",
    columns: [age, clusterName, { name: "Last Backup", type: "date", jsonPath: ".status.lastScheduleTime", description: "When the last backup was started" }],
  },
] as const satisfies readonly KindInfo[];

/** "Cluster" | "Backup" | "ScheduledBackup", from the table above. */
export type KindName = (typeof KINDS)[number]["kind"];

export const isKindName = (value: unknown): value is KindName => KINDS.some((k) => k.kind === value);

export function kindInfo(kind: KindName): KindInfo {
  const info = KINDS.find((k) => k.kind === kind);
  if (!info) throw new Error(`unknown kind ${JSON.stringify(kind)}`);
  return info;
}
