// `cnp-webhook audit`: flags → config, the cluster's API and caches, then the audit (README "Auditing a cluster").
import type { Registry } from "../admission/rule.js";
import { formatAuditJson, formatAuditText } from "../audit/output.js";
import { ansiPaint, noPaint } from "../checker/output/color.js";
import { ListError, runAudit } from "../audit/run.js";
import { DEFAULT_POSTGRES_IMAGE, LOOKUP_TIMEOUT } from "../deployment.js";
import { KINDS } from "../../schemas/kinds.js";
import { requestFailure } from "../references/api.js";
import { clusterApi, clusterResolver, describeApi, unreachable } from "../references/connect.js";
import { UsageError, defineCommand, dnsLabel, parseDurationMs, type Command } from "./command.js";
import { ENFORCEMENT_HELP, ENFORCEMENT_OPTIONS, IGNORE_ANNOTATION_HELP, IGNORE_ANNOTATION_OPTION, parseEnforcement } from "./enforcement.js";
import { RULE_SETTING_OPTIONS, RULE_SETTINGS_HELP, ruleSettings } from "./settings.js";
import { COLOR_HELP, COLOR_OPTION, colorWanted, progress } from "./terminal.js";

/** validate's first two formats; the others (SARIF, JUnit, ...) locate findings in files, which audited objects are not. */
const OUTPUT_FORMATS = ["text", "json"] as const;
/** client-go's pager asks for 500 items a page; so does `audit` unless told otherwise. */
const PAGE_SIZE = 500;
/** Objects judged at once: their Secret GETs overlap, without a burst of thousands at the API server. */
const CONCURRENCY = 16;
/** How long the caches of Clusters and Backups (the references) may take to list before judging starts. */
const CACHE_SYNC_WAIT_MS = 120_000;

const HELP = `cnp-webhook audit: judge every Cluster, Backup and ScheduledBackup in the cluster as if created now

Each object is read from the cluster (in pages) and put through the webhook's own defaulting and
validation as a CREATE; its references (Secrets, Clusters, Backups) are looked up in the same cluster.
What would be denied is what a webhook switched on today would refuse.

Flags:
  --kubeconfig F         the cluster (default: KUBECONFIG, or the Pod's service account)
  --namespace NS         only this namespace (default: all namespaces)
  --output ${OUTPUT_FORMATS.join("|")}     kubectl-like text (default), or JSON: results and a summary, as validate prints them
  --strict-references    deny instead of warn when a reference is absent or cannot be verified
  --lookup-timeout D     bound on the lookups of one object (default ${LOOKUP_TIMEOUT})
  --page-size N          objects per list request (default ${PAGE_SIZE})
  --default-image IMG    imageName default (default ${DEFAULT_POSTGRES_IMAGE})
${ENFORCEMENT_HELP}
${IGNORE_ANNOTATION_HELP}
${COLOR_HELP}
${RULE_SETTINGS_HELP}

Exit codes: 0 every object admitted (warnings allowed), 1 at least one would be denied, 2 usage error or
the cluster cannot be read.
`;

export const auditCommand = (registry: Registry): Command =>
  defineCommand({
    name: "audit",
    summary: "judge the cluster's existing objects as the webhook would",
    help: HELP,
    positionals: false,
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string", short: "n" },
      output: { type: "string", short: "o" },
      "strict-references": { type: "boolean" },
      "lookup-timeout": { type: "string" },
      "page-size": { type: "string" },
      "default-image": { type: "string" },
      ...ENFORCEMENT_OPTIONS,
      ...IGNORE_ANNOTATION_OPTION,
      ...COLOR_OPTION,
      ...RULE_SETTING_OPTIONS,
    },
    async run(values, _positionals, io) {
      const output = OUTPUT_FORMATS.find((f) => f === (values.output ?? "text"));
      if (!output) throw new UsageError(`--output must be ${OUTPUT_FORMATS.join(" or ")}, not ${JSON.stringify(values.output)}`);
      const namespace = values.namespace === undefined ? undefined : dnsLabel(values.namespace, "--namespace");
      const pageSize = Number(values["page-size"] ?? PAGE_SIZE);
      if (!Number.isInteger(pageSize) || pageSize < 1)
        throw new UsageError(`--page-size must be a positive integer, not ${JSON.stringify(values["page-size"])}`);
      const lookupTimeoutMs = parseDurationMs(values["lookup-timeout"] ?? LOOKUP_TIMEOUT, "--lookup-timeout");
      const settings = ruleSettings(values);
      const enforcement = parseEnforcement(values.enforcement, values["warn-only"], registry);
      const paint = colorWanted(values.color, io) ? ansiPaint : noPaint;
      const api = clusterApi(values.kubeconfig);
      if (!api) throw new UsageError("audit needs a cluster: --kubeconfig, KUBECONFIG, or a Pod's service account");
      // stdout is the report: nothing but it goes there, and a cluster that cannot be read is one line
      // on stderr within seconds, never minutes of retried lists.
      const why = await unreachable(api);
      if (why) {
        api.close();
        io.stderr(`error: cannot reach the Kubernetes API at ${describeApi(api)}: ${why}\n`);
        return 2;
      }
      // The caches list once; the first list that fails ends the audit (a snapshot is not retried).
      const stop = new AbortController();
      let listFailure: string | undefined;
      const resolver = clusterResolver(api, {
        watch: false,
        pageSize,
        observe: (event) => {
          if (event.type !== "error" || listFailure) return;
          listFailure = `cannot list ${KINDS.find((k) => k.kind === event.kind)!.plural}: ${requestFailure(event.error)}`;
          stop.abort();
        },
      });
      const shown = progress(io, "audited");
      try {
        // References in any namespace (a recovery source, the WAL-archive index) come from these
        // snapshots: judged before they are complete, objects would get "could not verify".
        if (!(await resolver.caches.wait(CACHE_SYNC_WAIT_MS, stop.signal))) {
          if (listFailure) {
            io.stderr(`error: ${listFailure}\n`);
            return 2;
          }
          io.stderr(`warning: ${resolver.caches.pending() ?? "caches not synced"}; references are read one by one\n`);
        }
        const report = await runAudit(
          api,
          {
            ...(namespace ? { namespace } : {}),
            pageSize,
            concurrency: CONCURRENCY,
            ...(shown ? { onProgress: (judged: number) => shown.update(judged) } : {}),
            judging: {
              registry,
              options: {
                defaultImage: values["default-image"] ?? DEFAULT_POSTGRES_IMAGE,
                strictReferences: values["strict-references"] ?? false,
                lookupTimeoutMs,
                settings,
                resolver,
              },
              enforcement,
              honourIgnoreAnnotation: values["allow-ignore-annotation"] ?? false,
            },
          },
          stop.signal,
        );
        shown?.end();
        io.stdout(
          output === "json"
            ? formatAuditJson(report.results)
            : formatAuditText(report.results, namespace ? `in namespace ${namespace}` : "in all namespaces", paint),
        );
        return report.results.some((r) => r.status !== "admitted") ? 1 : 0;
      } catch (err) {
        if (!(err instanceof ListError)) throw err;
        shown?.end();
        io.stderr(`error: ${err.message}\n`);
        return 2;
      } finally {
        shown?.end();
        stop.abort();
        resolver.close();
      }
    },
  });
