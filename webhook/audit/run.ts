// `cnp-webhook audit` (README "Auditing a cluster"): every Cluster, Backup and ScheduledBackup in the cluster
// (or one namespace) judged as if it were created now, through the webhook's own `judge`, with
// references read from the same cluster: what a webhook switched on today would deny.
import { KINDS, type KindName } from "../../schemas/kinds.js";
import { asCreated } from "../admission/created.js";
import type { AdmissionInput } from "../admission/defaulting.js";
import { judge, type JudgeContext } from "../admission/judge.js";
import type { PatchOperation, RuleFailure, Violation, Warning } from "../admission/verdict.js";
import { isRecord } from "../formats/json.js";
import { requestFailure, type KubeApi } from "../references/api.js";
import { listPages, type ListStats } from "./list.js";

export type AuditStatus = "admitted" | "denied" | "error";

export interface AuditResult {
  readonly apiVersion: string;
  readonly kind: KindName;
  readonly namespace: string;
  readonly name: string;
  readonly status: AuditStatus;
  readonly violations: readonly Violation[];
  readonly warnings: readonly Warning[];
  /** Rules that threw (status "error"): a bug in the webhook. */
  readonly failures: readonly RuleFailure[];
  /** What the mutating webhook would add to the object as stored. */
  readonly patch: readonly PatchOperation[];
}

export interface AuditConfig {
  /** Only this namespace; all namespaces when absent. */
  readonly namespace?: string;
  /** Items per list request. */
  readonly pageSize: number;
  /** Objects judged at the same time (their lookups overlap). */
  readonly concurrency: number;
  /** What `serve` would judge with: the registry, its options and resolver, enforcement, the ignore annotation. */
  readonly judging: JudgeContext;
  /** Told the number of objects judged so far (a terminal shows progress). */
  readonly onProgress?: (judged: number) => void;
}

export interface AuditReport {
  readonly results: readonly AuditResult[];
  readonly lists: { readonly [K in KindName]?: ListStats };
}

async function judgeStored(kind: KindName, item: Record<string, unknown>, judging: JudgeContext): Promise<AuditResult> {
  const { object } = asCreated(item, judging.registry[kind].validator.shape);
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const input: AdmissionInput = { kind, operation: "CREATE", object, namespace, name };
  const { verdict, patch } = await judge(input, judging);
  return {
    apiVersion: String(object.apiVersion),
    kind,
    namespace,
    name,
    status: verdict.type === "failed" ? "error" : verdict.type === "denied" ? "denied" : "admitted",
    violations: verdict.type === "denied" ? verdict.violations : [],
    warnings: verdict.warnings,
    failures: verdict.type === "failed" ? verdict.failures : [],
    patch,
  };
}

/** A kind that cannot be listed: audit stops (exit 2), naming the kind and what the API server said. */
export class ListError extends Error {}

/** Lists and judges every kind in turn; results in kind order, then as the API server listed them. */
export async function runAudit(api: Pick<KubeApi, "getJSON">, config: AuditConfig, signal: AbortSignal): Promise<AuditReport> {
  const results: AuditResult[] = [];
  const lists: { [K in KindName]?: ListStats } = {};
  for (const { kind } of KINDS) {
    try {
      lists[kind] = await listPages(
        api,
        kind,
        { pageSize: config.pageSize, signal, ...(config.namespace ? { namespace: config.namespace } : {}) },
        async (items) => {
          // Judged in slices of `concurrency`: the lookups of one slice overlap, a page is never all in flight.
          for (let i = 0; i < items.length; i += config.concurrency) {
            results.push(...(await Promise.all(items.slice(i, i + config.concurrency).map((item) => judgeStored(kind, item, config.judging)))));
            config.onProgress?.(results.length);
          }
        },
      );
    } catch (err) {
      const why = requestFailure(err);
      throw new ListError(`cannot list ${KINDS.find((k) => k.kind === kind)!.plural}${config.namespace ? ` in namespace ${config.namespace}` : ""}: ${why}`);
    }
  }
  return { results, lists };
}
