// What `validate` itself reports about its input, beside the webhook's rules: each has an ID, as the
// rules do, so that every output format (SARIF's rule list included) names what it found.

export interface InputCheck {
  readonly id: string;
  /** error: the run exits 2; deny: as a rule's denial; warn: as a rule's warning; skip: reported, not checked. */
  readonly severity: "error" | "deny" | "warn" | "skip";
  readonly summary: string;
}

export const INPUT_CHECKS = [
  {
    id: "input/read",
    severity: "error",
    summary: "a path that does not exist or cannot be read, or, named on the command line, is not a regular file (pipe it to - instead)",
  },
  {
    id: "input/too-large",
    severity: "error",
    summary: "a file (or stdin) above --max-file-size, or with more documents than --max-documents: not read",
  },
  {
    id: "input/not-regular",
    severity: "skip",
    summary: "a FIFO, device or socket (or a symbolic link to one) found in a directory: skipped without being opened",
  },
  {
    id: "input/encoding",
    severity: "error",
    summary:
      "bytes kubectl cannot read as text: invalid UTF-8, UTF-32, or a control character YAML forbids (NUL bytes: UTF-16 without a byte order mark); UTF-16 with one is read",
  },
  { id: "input/syntax", severity: "error", summary: "YAML that kubectl cannot read: a syntax error, or a number JSON cannot hold (.inf, .nan)" },
  { id: "input/helm", severity: "error", summary: "a Helm template that was not rendered: pipe `helm template` instead" },
  { id: "input/not-an-object", severity: "error", summary: "a document without apiVersion or kind, or that is not a mapping: kubectl refuses it" },
  {
    id: "input/patch",
    severity: "error",
    summary: "a kustomize patch or fragment (no metadata.name, or listed as a patch by a kustomization): pipe `kubectl kustomize` instead",
  },
  {
    id: "input/object-size",
    severity: "deny",
    summary: "an object larger than etcd's default request limit (1.5 MiB): the apiserver could not store it; not judged further",
  },
  { id: "input/api", severity: "deny", summary: "a kind that postgresql.k8s.enterprisedb.io/v1alpha1 does not have: kubectl would find no such resource" },
  {
    id: "input/other-api",
    severity: "skip",
    summary: "a PostgreSQL object of another API (postgresql.cnpg.io, a later version, another operator): not checked, reported as skipped",
  },
  { id: "input/not-a-manifest", severity: "skip", summary: "a file found in a directory that names no apiVersion or kind (package.json, tsconfig.json)" },
  { id: "input/skip-kind", severity: "skip", summary: "an object of a kind left out with --skip-kind" },
  { id: "input/duplicate-key", severity: "warn", summary: "a key written twice in one mapping: kubectl silently keeps the last" },
  { id: "input/ignore-annotation", severity: "warn", summary: "cnp-webhook.io/ignore names a rule ID that does not exist, so it ignores nothing" },
] as const satisfies readonly InputCheck[];

export type InputCheckId = (typeof INPUT_CHECKS)[number]["id"];
