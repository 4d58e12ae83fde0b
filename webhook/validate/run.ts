// `cnp-webhook validate`: discovery, reading, check, output; the exit code (README "Checking manifests in CI").
import { resolve } from "node:path";
import { catalog } from "../admission/catalog.js";
import type { Registry } from "../admission/rule.js";
import { checkDocuments, problemResult, type CheckResult } from "./check.js";
import type { OutputFormat, ValidateConfig } from "./config.js";
import { printDefaulted } from "./defaulted.js";
import { collectSources, ignoreMatcher, kustomizePatches, mentionsKubernetes, STDIN_ARG, STDIN_NAME } from "./discovery.js";
import { formatGithub } from "./output/github.js";
import { formatJson } from "./output/json.js";
import { formatJunit } from "./output/junit.js";
import { formatSarif } from "./output/sarif.js";
import { formatTap } from "./output/tap.js";
import { formatText } from "./output/text.js";
import { exitCode, NO_OBJECTS, ruleDescriptors, summarize, type Report } from "./report.js";
import { KUSTOMIZE_HINT, readManifests, type ManifestDocument } from "./yaml.js";

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** All of standard input, for the path `-`; null when longer than `maxBytes`. */
  readStdin?: (maxBytes: number) => Promise<string | null>;
}

const FORMATTERS: Record<OutputFormat, (report: Report) => string> = {
  text: formatText,
  json: formatJson,
  junit: formatJunit,
  tap: formatTap,
  sarif: formatSarif,
  github: formatGithub,
};

const notAManifest = (file: string): CheckResult => ({
  file,
  index: -1,
  line: 1,
  apiVersion: "",
  kind: "",
  namespace: "",
  name: "",
  status: "skipped",
  hint: "not a Kubernetes manifest: it names no apiVersion or kind",
  skippedBy: "input/not-a-manifest",
  findings: [],
  ignored: [],
  patch: [],
});

const notRegularFile = (file: string, message: string): CheckResult => ({
  ...notAManifest(file),
  hint: message,
  skippedBy: "input/not-regular",
});

/** Returns the exit code: 0 all admitted, 1 any denied, 2 anything that could not be checked. */
export async function runValidate(config: ValidateConfig, registry: Registry, io: CommandIO): Promise<number> {
  const stdin = config.paths.includes(STDIN_ARG) ? await (io.readStdin?.(config.maxFileSize) ?? Promise.resolve("")) : "";
  const paths = stdin === null ? config.paths.filter((p) => p !== STDIN_ARG) : config.paths;
  const { sources, unreadable, notRegular } = collectSources(paths, ignoreMatcher(config.ignorePaths), stdin ?? "", config.maxFileSize);
  if (stdin === null)
    unreadable.unshift({ file: STDIN_NAME, message: `more than ${config.maxFileSize} bytes, above --max-file-size: not read`, tooLarge: true });
  const patches = kustomizePatches(sources.filter((s) => s.name !== STDIN_NAME).map((s) => s.name));
  const results: CheckResult[] = unreadable.map((u) =>
    problemResult({ file: u.file, position: { line: 1, column: 1 }, check: u.tooLarge ? "input/too-large" : "input/read", message: u.message }),
  );
  const skippedFiles: CheckResult[] = notRegular.map((n) => notRegularFile(n.file, n.message));
  const documents: ManifestDocument[] = [];
  for (const source of sources) {
    if (!source.explicit && !mentionsKubernetes(source.text)) {
      skippedFiles.push(notAManifest(source.name));
      continue;
    }
    const kustomization = patches.get(resolve(source.name));
    if (kustomization) {
      const message = `listed as a patch in ${kustomization}: not an object to create as it is; ${KUSTOMIZE_HINT}`;
      results.push(problemResult({ file: source.name, position: { line: 1, column: 1 }, check: "input/patch", message }));
      continue;
    }
    const read = readManifests(source.name, source.text, config.maxDocuments);
    results.push(...read.problems.map(problemResult));
    documents.push(...read.documents);
  }
  if (sources.length > 0 && documents.length === 0 && results.length === 0 && skippedFiles.length === 0) {
    io.stderr(`error: no documents in ${sources.map((s) => s.name).join(", ")}\n`);
    return 2;
  }
  results.push(...(await checkDocuments(documents, config, registry)), ...skippedFiles);
  // In input order: files as read (paths not read first), documents as written.
  const order = new Map(sources.map((s, i) => [s.name, i]));
  results.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || a.index - b.index);
  const summary = summarize(results, sources.length);
  const report: Report = { results, summary, rules: ruleDescriptors(catalog(registry)), failOnWarnings: config.failOnWarnings };
  const rendered = FORMATTERS[config.output](report);
  if (config.printDefaulted) {
    io.stdout(printDefaulted(documents, results));
    io.stderr(rendered);
  } else io.stdout(rendered);
  if (summary.checked === 0 && config.output !== "text") io.stderr(`note: ${NO_OBJECTS}\n`);
  return exitCode(summary, config.failOnWarnings);
}
