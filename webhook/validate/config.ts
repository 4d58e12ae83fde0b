// What one `validate` run is asked to do, after flags are parsed (README "Checking manifests in CI").
import type { RuleSettings } from "../admission/settings.js";
import type { ReferenceResolver } from "../references/resolver.js";

export const OUTPUT_FORMATS = ["text", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ValidateConfig {
  readonly paths: readonly string[];
  readonly output: OutputFormat;
  readonly strictReferences: boolean;
  readonly defaultImage: string;
  readonly lookupTimeoutMs: number;
  /** --deny-backup-interval, --warn-backup-interval, --operator-version. */
  readonly settings: RuleSettings;
  /** Namespace of objects that name none. */
  readonly namespace: string;
  /** A live cluster, consulted after the files (--kubeconfig). */
  readonly cluster?: ReferenceResolver;
}
