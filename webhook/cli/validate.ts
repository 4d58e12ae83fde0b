// `cnp-webhook validate`: flags → config, then the checker.
import { KINDS } from "../../schemas/kinds.js";
import { IGNORE_ANNOTATION } from "../admission/ignore.js";
import type { Registry } from "../admission/rule.js";
import { DEFAULT_POSTGRES_IMAGE, LOOKUP_TIMEOUT } from "../deployment.js";
import { unanswered, type ReferenceResolver } from "../references/resolver.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../checker/config.js";
import { DEFAULT_MAX_FILE_SIZE, STDIN_ARG } from "../checker/discovery.js";
import { runValidate } from "../checker/run.js";
import { DEFAULT_MAX_DOCUMENTS } from "../checker/yaml.js";
import { UsageError, defineCommand, parseDurationMs, type Command, type CommandIO } from "./command.js";
import { ENFORCEMENT_HELP, ENFORCEMENT_OPTIONS, parseEnforcement } from "./enforcement.js";
import { RULE_SETTING_OPTIONS, RULE_SETTINGS_HELP, ruleSettings } from "./settings.js";
import { COLOR_HELP, COLOR_OPTION, colorWanted, progress } from "./terminal.js";

const HELP = `cnp-webhook validate: run the webhook's defaulting and validation over manifests

Usage: cnp-webhook validate [flags] PATH... (a PATH of - reads standard input)

Files and directories (searched for .yaml, .yml, .json; node_modules and hidden folders are left out).
Only regular files are read: a FIFO, device or socket found in a directory is reported as skipped
without being opened; named on the command line it is an error (pipe it to - instead).
YAML is read as kubectl reads it (YAML 1.1: merge keys, yes/no). Secrets, Clusters and Backups in the
input are the cluster state for reference checks (a Backup's status included); objects missing from
them are reported as not verified, unless --kubeconfig adds a live cluster as a second source.

Flags:
  -o, --output FORMAT     ${OUTPUT_FORMATS.join("|")} (default text)
      --fail-on-warnings  warnings fail the run (exit 1) as denials do
      --skip-kind KIND    report objects of KIND as skipped (repeatable, or comma-separated)
      --ignore-path GLOB  do not read paths matching GLOB (repeatable; ** crosses folders)
      --print-defaulted   write the objects as the mutating webhook would leave them;
                          the report then goes to standard error
      --max-file-size N   bytes read at most from one file or stdin; larger ones are reported,
                          not read (default 16Mi; K, M, Ki, Mi suffixes)
      --max-documents N   documents at most in one file (default ${DEFAULT_MAX_DOCUMENTS})
      --strict-references deny instead of warn when a reference is absent or cannot be verified
      --kubeconfig F      also look references up in this cluster
  -n, --namespace NS      namespace of objects without one (default "default")
      --lookup-timeout D  bound on the lookups of one object (default ${LOOKUP_TIMEOUT})
      --default-image IMG imageName default (default ${DEFAULT_POSTGRES_IMAGE})
${ENFORCEMENT_HELP}
${COLOR_HELP}
${RULE_SETTINGS_HELP}

The annotation ${IGNORE_ANNOTATION}: RULE_ID,... on an object leaves out the findings of those rules
('cnp-webhook rules' lists them).

Exit codes: 0 every object admitted (warnings allowed), 1 at least one denied (or warned, with
--fail-on-warnings), 2 usage error or input that could not be checked (unreadable, YAML errors,
Helm templates, kustomize patches, documents without apiVersion or kind).
`;

const outputFormat = (text: string): OutputFormat => {
  const format = OUTPUT_FORMATS.find((f) => f === text);
  if (!format) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(", ")}, not ${JSON.stringify(text)}`);
  return format;
};

const KIND_NAMES = KINDS.map((k) => k.kind);

const SIZE_UNITS: Record<string, number> = { "": 1, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A byte count as Kubernetes quantities write it (16Mi, 500K, 1048576); an optional B after the unit. */
function byteCount(text: string, flag: string): number {
  const m = /^(\d+)(K|M|G|Ki|Mi|Gi)?B?$/.exec(text.trim());
  const n = m ? Number(m[1]) * (SIZE_UNITS[m[2] ?? ""] ?? 1) : Number.NaN;
  if (!(n > 0) || !Number.isSafeInteger(n)) throw new UsageError(`${flag}: not a positive byte count: ${JSON.stringify(text)} (e.g. 16Mi)`);
  return n;
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !(n > 0) || !Number.isSafeInteger(n)) throw new UsageError(`${flag}: not a positive integer: ${JSON.stringify(text)}`);
  return n;
}

/** --skip-kind values, comma lists allowed; a kind this API does not have is a usage error. */
function skipKinds(values: readonly string[] = []): string[] {
  const kinds = values.flatMap((v) => v.split(",")).map((k) => k.trim());
  for (const k of kinds) {
    if (!KIND_NAMES.some((n) => n.toLowerCase() === k.toLowerCase()))
      throw new UsageError(`--skip-kind ${JSON.stringify(k)}: not one of ${KIND_NAMES.join(", ")}`);
  }
  return kinds;
}

/**
 * The cluster of --kubeconfig as a second source of references. One that does not answer is said once
 * on stderr, and its references are "could not verify" with the reason, at once (not after each
 * lookup's timeout).
 */
async function liveReferences(kubeconfig: string, io: CommandIO): Promise<ReferenceResolver> {
  // The cluster client loads only then: the start-up time of every other run.
  const { clusterApi, clusterResolver, describeApi, unreachable } = await import("../references/connect.js");
  const api = clusterApi(kubeconfig);
  if (!api) throw new UsageError(`--kubeconfig ${JSON.stringify(kubeconfig)}: no cluster in it`);
  const why = await unreachable(api);
  if (!why) return clusterResolver(api, { watch: false });
  api.close();
  io.stderr(`warning: cannot reach the Kubernetes API at ${describeApi(api)}: ${why}; references not in the files are reported as not verified\n`);
  return unanswered(why);
}

export const validateCommand = (registry: Registry): Command =>
  defineCommand({
    name: "validate",
    summary: "check manifests (files, directories, stdin) as the webhook would",
    help: HELP,
    positionals: true,
    options: {
      output: { type: "string", short: "o" },
      "fail-on-warnings": { type: "boolean" },
      "skip-kind": { type: "string", multiple: true },
      "ignore-path": { type: "string", multiple: true },
      "print-defaulted": { type: "boolean" },
      "strict-references": { type: "boolean" },
      "max-file-size": { type: "string" },
      "max-documents": { type: "string" },
      kubeconfig: { type: "string" },
      namespace: { type: "string", short: "n" },
      "lookup-timeout": { type: "string" },
      "default-image": { type: "string" },
      ...ENFORCEMENT_OPTIONS,
      ...COLOR_OPTION,
      ...RULE_SETTING_OPTIONS,
    },
    async run(values, positionals, io) {
      const output = outputFormat(values.output ?? "text");
      if (positionals.length === 0) throw new UsageError("validate needs at least one file or directory, or - for standard input");
      if (positionals.filter((p) => p === "-").length > 1) throw new UsageError("- (standard input) may be given once");
      const lookupTimeoutMs = parseDurationMs(values["lookup-timeout"] ?? LOOKUP_TIMEOUT, "--lookup-timeout");
      const skip = skipKinds(values["skip-kind"]);
      const maxFileSize = values["max-file-size"] === undefined ? DEFAULT_MAX_FILE_SIZE : byteCount(values["max-file-size"], "--max-file-size");
      const maxDocuments = values["max-documents"] === undefined ? DEFAULT_MAX_DOCUMENTS : positiveInteger(values["max-documents"], "--max-documents");
      const settings = ruleSettings(values);
      const enforcement = parseEnforcement(values.enforcement, values["warn-only"], registry);
      const color = colorWanted(values.color, io);
      const cluster = values.kubeconfig ? await liveReferences(values.kubeconfig, io) : undefined;
      const shown = progress(io, "checked");
      try {
        const stdin = positionals.includes(STDIN_ARG) ? await (io.readStdin?.(maxFileSize) ?? Promise.resolve(Buffer.alloc(0))) : Buffer.alloc(0);
        const run = await runValidate(
          {
            paths: positionals,
            output,
            strictReferences: values["strict-references"] ?? false,
            defaultImage: values["default-image"] ?? DEFAULT_POSTGRES_IMAGE,
            lookupTimeoutMs,
            settings,
            enforcement,
            namespace: values.namespace ?? "default",
            failOnWarnings: values["fail-on-warnings"] ?? false,
            skipKinds: skip,
            ignorePaths: values["ignore-path"] ?? [],
            printDefaulted: values["print-defaulted"] ?? false,
            maxFileSize,
            maxDocuments,
            color: color && output === "text" && !values["print-defaulted"],
            ...(shown ? { onProgress: (done: number, total: number) => shown.update(done, total) } : {}),
            ...(cluster ? { cluster } : {}),
          },
          registry,
          stdin,
        );
        shown?.end();
        if (run.stdout) io.stdout(run.stdout);
        if (run.stderr) io.stderr(run.stderr);
        return run.exitCode;
      } finally {
        shown?.end();
        cluster?.close();
      }
    },
  });
