// The Mutating/ValidatingWebhookConfigurations and the knobs admins tune (README "Install and operate"):
// failurePolicy and timeoutSeconds per webhook, namespace and object selectors, and matchConditions
// that keep service accounts, such as the operator's, away from the webhook.
import { GROUP, KINDS, VERSION, kindInfo } from "../../schemas/kinds.js";
import { FAILURE_POLICY, NAME, SERVICE_PORT, WEBHOOK_TIMEOUT_SECONDS } from "../deployment.js";
import { ROLES, route, type Role, type Route } from "../routes.js";
import type { LabelSelector } from "./selector.js";

export const FAILURE_POLICIES = ["Fail", "Ignore"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/**
 * A value for the webhooks that `webhooks` names: every webhook (absent), a role (`mutate`), a kind
 * (`backup`) or one webhook (`validate-backup`). Settings apply in order: a later one wins.
 */
export interface Setting<T> {
  readonly webhooks?: string;
  readonly value: T;
}

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export interface WebhookKnobs {
  readonly failurePolicy?: readonly Setting<FailurePolicy>[];
  readonly timeoutSeconds?: readonly Setting<number>[];
  /** Added to the exclusion of the webhook's own namespace, which always stays. */
  readonly namespaceSelector?: LabelSelector;
  readonly objectSelector?: LabelSelector;
  /** Requests from these service accounts are not sent to the webhook (Kubernetes 1.28 or later). */
  readonly exemptServiceAccounts?: readonly ServiceAccountRef[];
}

/** What a Setting may name: every role, kind and webhook label. */
export const WEBHOOK_SELECTORS: readonly string[] = [
  ...ROLES,
  ...KINDS.map((k) => kindInfo(k.kind).singular),
  ...ROLES.flatMap((r) => KINDS.map((k) => route(r, k.kind).label)),
];

const names = (selector: string, r: Route): boolean => selector === r.role || selector === r.label || selector === kindInfo(r.kind).singular;

function valueFor<T>(settings: readonly Setting<T>[] | undefined, r: Route, fallback: T): T {
  let value = fallback;
  for (const s of settings ?? []) if (s.webhooks === undefined || names(s.webhooks, r)) value = s.value;
  return value;
}

export const serviceAccountUser = (sa: ServiceAccountRef): string => `system:serviceaccount:${sa.namespace}:${sa.name}`;

/** The matchCondition (a CEL expression over the AdmissionRequest) that skips the given service accounts. */
export function exemptionCondition(accounts: readonly ServiceAccountRef[]): { name: string; expression: string } {
  const users = accounts.map((sa) => `'${serviceAccountUser(sa)}'`).join(", ");
  return { name: "exempt-service-accounts", expression: `!(request.userInfo.username in [${users}])` };
}

/** The webhook must never gate its own namespace (it could not come back up otherwise). */
const ownNamespaceExcluded = (namespace: string) => ({ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [namespace] });

export interface WebhookConfigurationOptions extends WebhookKnobs {
  readonly namespace: string;
  /** base64 of the PEM CA bundle, for every webhook's clientConfig.caBundle. */
  readonly caBundle?: string;
}

export function webhookConfiguration(role: Role, o: WebhookConfigurationOptions, metadata: Record<string, unknown>): Record<string, unknown> {
  const webhooks = KINDS.map((k) => {
    const r = route(role, k.kind);
    return {
      name: r.webhookName,
      admissionReviewVersions: ["v1"],
      clientConfig: {
        service: { name: NAME, namespace: o.namespace, path: r.path, port: SERVICE_PORT },
        ...(o.caBundle ? { caBundle: o.caBundle } : {}),
      },
      rules: [{ apiGroups: [GROUP], apiVersions: [VERSION], operations: ["CREATE", "UPDATE"], resources: [k.plural], scope: "Namespaced" }],
      failurePolicy: valueFor(o.failurePolicy, r, FAILURE_POLICY),
      matchPolicy: "Equivalent",
      sideEffects: "None",
      timeoutSeconds: valueFor(o.timeoutSeconds, r, WEBHOOK_TIMEOUT_SECONDS[role]),
      namespaceSelector: {
        ...(o.namespaceSelector?.matchLabels ? { matchLabels: o.namespaceSelector.matchLabels } : {}),
        matchExpressions: [ownNamespaceExcluded(o.namespace), ...(o.namespaceSelector?.matchExpressions ?? [])],
      },
      ...(o.objectSelector ? { objectSelector: o.objectSelector } : {}),
      ...(o.exemptServiceAccounts?.length ? { matchConditions: [exemptionCondition(o.exemptServiceAccounts)] } : {}),
      ...(role === "mutate" ? { reinvocationPolicy: "Never" } : {}),
    };
  });
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: role === "mutate" ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration",
    metadata,
    webhooks,
  };
}
