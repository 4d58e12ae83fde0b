// What one `validate` run is asked to do, after flags are parsed (README "Checking manifests in CI").
import type { Enforcement } from "../admission/enforcement.js";
import type { RuleSettings } from "../admission/settings.js";
import type { ReferenceResolver } from "../references/resolver.js";

export const OUTPUT_FORMATS = ["text", "json", "junit", "tap", "sarif", "github"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ValidateConfig {
  /** Files, directories, and `-` for stdin. */
  readonly paths: readonly string[];
  readonly output: OutputFormat;
  readonly strictReferences: boolean;
  readonly defaultImage: string;
  readonly lookupTimeoutMs: number;
  /** --deny-backup-interval, --warn-backup-interval, --operator-version. */
  readonly settings: RuleSettings;
  /** --enforcement and --warn-only, as the deployed webhook is told (deny all when absent). */
  readonly enforcement?: Enforcement;
  /** Namespace of objects that name none. */
  readonly namespace: string;
  /** A live cluster, consulted after the files (--kubeconfig). */
  readonly cluster?: ReferenceResolver;
  /** Warnings make the run fail (exit 1), as denials do. */
  readonly failOnWarnings: boolean;
  /** Kinds reported as skipped rather than checked. */
  readonly skipKinds: readonly string[];
  /** Globs of paths not read at all. */
  readonly ignorePaths: readonly string[];
  /** Write the objects as the mutating webhook would leave them; the report goes to stderr. */
  readonly printDefaulted: boolean;
  /** Bytes read at most from one file or from stdin (--max-file-size). */
  readonly maxFileSize: number;
  /** Documents at most in one file (--max-documents). */
  readonly maxDocuments: number;
  /** Colour the text report (--color; a terminal without NO_COLOR). */
  readonly color?: boolean;
  /** Told after each document judged: a terminal shows progress (webhook/cli/terminal.ts). */
  readonly onProgress?: (done: number, total: number) => void;
}
