// The webhook configuration flags of `cnp-webhook manifests` to WebhookKnobs; each mistake is a
// usage error naming the flag and the value.
import { dns1123SubdomainProblems } from "../formats/formats.js";
import { parseLabelSelector, SelectorError, type LabelSelector } from "../install/selector.js";
import { FAILURE_POLICIES, WEBHOOK_SELECTORS, type FailurePolicy, type ServiceAccountRef, type Setting, type WebhookKnobs } from "../install/webhooks.js";
import { UsageError, dnsLabel } from "./command.js";

/** The apiserver's bounds for timeoutSeconds (admissionregistration/v1). */
const TIMEOUT_RANGE = [1, 30] as const;

/** `[WEBHOOKS=]VALUE,...` from every occurrence of the flag, in order. */
function settings<T>(flag: string, given: readonly string[] | undefined, value: (text: string) => T): Setting<T>[] {
  return (given ?? [])
    .flatMap((g) => g.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const eq = item.indexOf("=");
      if (eq < 0) return { value: value(item) };
      const webhooks = item.slice(0, eq);
      if (!WEBHOOK_SELECTORS.includes(webhooks)) {
        throw new UsageError(`${flag}: ${JSON.stringify(webhooks)} names no webhook; use one of ${WEBHOOK_SELECTORS.join(", ")}`);
      }
      return { webhooks, value: value(item.slice(eq + 1)) };
    });
}

function failurePolicy(text: string): FailurePolicy {
  const policy = FAILURE_POLICIES.find((p) => p === text);
  if (!policy) throw new UsageError(`--failure-policy must be ${FAILURE_POLICIES.join(" or ")}, not ${JSON.stringify(text)}`);
  return policy;
}

function timeoutSeconds(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < TIMEOUT_RANGE[0] || n > TIMEOUT_RANGE[1]) {
    throw new UsageError(`--timeout-seconds must be a whole number of seconds from ${TIMEOUT_RANGE[0]} to ${TIMEOUT_RANGE[1]}, not ${JSON.stringify(text)}`);
  }
  return n;
}

function selector(flag: string, text: string | undefined): LabelSelector | undefined {
  if (text === undefined) return undefined;
  try {
    return parseLabelSelector(text);
  } catch (err) {
    if (err instanceof SelectorError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

function serviceAccount(text: string): ServiceAccountRef {
  const parts = text.split("/");
  if (parts.length !== 2) throw new UsageError(`--exempt-service-account must be NAMESPACE/NAME, not ${JSON.stringify(text)}`);
  const [namespace, name] = parts as [string, string];
  dnsLabel(namespace, "--exempt-service-account namespace");
  if (dns1123SubdomainProblems(name).length > 0) throw new UsageError(`--exempt-service-account: ${JSON.stringify(name)} is not a valid service account name`);
  return { namespace, name };
}

export interface WebhookKnobFlags {
  readonly "failure-policy"?: string[];
  readonly "timeout-seconds"?: string[];
  readonly "namespace-selector"?: string;
  readonly "object-selector"?: string;
  readonly "exempt-service-account"?: string[];
}

export function webhookKnobs(flags: WebhookKnobFlags): WebhookKnobs {
  const namespaceSelector = selector("--namespace-selector", flags["namespace-selector"]);
  const objectSelector = selector("--object-selector", flags["object-selector"]);
  return {
    failurePolicy: settings("--failure-policy", flags["failure-policy"], failurePolicy),
    timeoutSeconds: settings("--timeout-seconds", flags["timeout-seconds"], timeoutSeconds),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(objectSelector ? { objectSelector } : {}),
    exemptServiceAccounts: (flags["exempt-service-account"] ?? []).map(serviceAccount),
  };
}
