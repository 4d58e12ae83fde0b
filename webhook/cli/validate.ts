// `cnp-webhook validate`: flags → config, then the checker.
import type { Registry } from "../admission/rule.js";
import { DEFAULT_POSTGRES_IMAGE, LOOKUP_TIMEOUT } from "../deployment.js";
import { resolverFor } from "../references/connect.js";
import { createLogger } from "../server/log.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../validate/config.js";
import { runValidate } from "../validate/run.js";
import { UsageError, defineCommand, parseDurationMs, type Command } from "./command.js";
import { RULE_SETTING_OPTIONS, RULE_SETTINGS_HELP, ruleSettings } from "./settings.js";

const HELP = `cnp-webhook validate: run the webhook's defaulting and validation over manifest files

Arguments are files or directories (searched recursively for .yaml, .yml, .json). Secrets, Clusters and
Backups in the files are the cluster state for reference checks; objects missing from them are
reported as not verified, unless --kubeconfig adds a live cluster as a second source.

Flags:
  --output ${OUTPUT_FORMATS.join("|")}     kubectl-like text (default) or one JSON array of results
  --strict-references    deny instead of warn when a reference is absent or cannot be verified
  --kubeconfig F         also look references up in this cluster
  --namespace NS         namespace of objects without one (default "default")
  --lookup-timeout D     bound on the lookups of one object (default ${LOOKUP_TIMEOUT})
  --default-image IMG    imageName default (default ${DEFAULT_POSTGRES_IMAGE})
${RULE_SETTINGS_HELP}

Exit codes: 0 every object admitted (warnings allowed), 1 at least one denied, 2 usage or input error.
`;

const outputFormat = (text: string): OutputFormat => {
  const format = OUTPUT_FORMATS.find((f) => f === text);
  if (!format) throw new UsageError(`--output must be ${OUTPUT_FORMATS.join(" or ")}, not ${JSON.stringify(text)}`);
  return format;
};

export const validateCommand = (registry: Registry): Command =>
  defineCommand({
    name: "validate",
    summary: "check manifest files as the webhook would",
    help: HELP,
    positionals: true,
    options: {
      output: { type: "string", short: "o" },
      "strict-references": { type: "boolean" },
      kubeconfig: { type: "string" },
      namespace: { type: "string", short: "n" },
      "lookup-timeout": { type: "string" },
      "default-image": { type: "string" },
      ...RULE_SETTING_OPTIONS,
    },
    async run(values, positionals, io) {
      const output = outputFormat(values.output ?? "text");
      if (positionals.length === 0) throw new UsageError("validate needs at least one file or directory");
      const lookupTimeoutMs = parseDurationMs(values["lookup-timeout"] ?? LOOKUP_TIMEOUT, "--lookup-timeout");
      const settings = ruleSettings(values);
      const cluster = values.kubeconfig ? await resolverFor(values.kubeconfig, createLogger("silent")) : undefined;
      try {
        return await runValidate(
          {
            paths: positionals,
            output,
            strictReferences: values["strict-references"] ?? false,
            defaultImage: values["default-image"] ?? DEFAULT_POSTGRES_IMAGE,
            lookupTimeoutMs,
            settings,
            namespace: values.namespace ?? "default",
            ...(cluster ? { cluster } : {}),
          },
          registry,
          io,
        );
      } finally {
        cluster?.close();
      }
    },
  });
