// `cnp-webhook validate`: discovery, reading, check, output; the exit code (README "Checking manifests in CI").
import { resolve } from "node:path";
import { catalog } from "../admission/catalog.js";
import type { Registry } from "../admission/rule.js";
import { checkDocuments, problemResult, type CheckResult } from "./check.js";
import type { ValidateConfig } from "./config.js";
import { printDefaulted } from "./defaulted.js";
import { collectSources, ignoreMatcher, kustomizePatches, mentionsKubernetes, STDIN_ARG, STDIN_NAME } from "./discovery.js";
import { ansiPaint, noPaint } from "./output/color.js";
import { FORMATTERS } from "./output/index.js";
import { exitCode, NO_OBJECTS, ruleDescriptors, summarize, type Report } from "./report.js";
import { KUSTOMIZE_HINT, readManifests, type ManifestDocument } from "./yaml.js";

/** What a run prints and its exit code; the command writes them (webhook/cli/validate.ts). */
export interface ValidateRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

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

/**
 * Checks `config.paths`; `stdin` is standard input for the path `-` (null when longer than
 * --max-file-size). Exit code: 0 all admitted, 1 any denied, 2 anything that could not be checked.
 */
export async function runValidate(config: ValidateConfig, registry: Registry, stdin: Buffer | null): Promise<ValidateRun> {
  const paths = stdin === null ? config.paths.filter((p) => p !== STDIN_ARG) : config.paths;
  const { sources, unreadable, notRegular } = collectSources(paths, ignoreMatcher(config.ignorePaths), stdin ?? Buffer.alloc(0), config.maxFileSize);
  if (stdin === null)
    unreadable.unshift({ file: STDIN_NAME, message: `more than ${config.maxFileSize} bytes, above --max-file-size: not read`, check: "input/too-large" });
  const patches = kustomizePatches(sources.filter((s) => s.name !== STDIN_NAME).map((s) => s.name));
  const results: CheckResult[] = unreadable.map((u) =>
    problemResult({ file: u.file, position: u.position ?? { line: 1, column: 1 }, check: u.check, message: u.message }),
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
    const read = readManifests(source.name, source.text, { maxDocuments: config.maxDocuments, keepSources: config.printDefaulted });
    results.push(...read.problems.map(problemResult));
    documents.push(...read.documents);
  }
  if (sources.length > 0 && documents.length === 0 && results.length === 0 && skippedFiles.length === 0) {
    return { stdout: "", stderr: `error: no documents in ${sources.map((s) => s.name).join(", ")}\n`, exitCode: 2 };
  }
  results.push(...(await checkDocuments(documents, config, registry)), ...skippedFiles);
  // In input order: files as read (paths not read first), documents as written.
  const order = new Map(sources.map((s, i) => [s.name, i]));
  results.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || a.index - b.index);
  const summary = summarize(results, sources.length);
  const report: Report = {
    results,
    summary,
    rules: ruleDescriptors(catalog(registry)),
    failOnWarnings: config.failOnWarnings,
    paint: config.color ? ansiPaint : noPaint,
  };
  const rendered = (await FORMATTERS[config.output]())(report);
  const note = summary.checked === 0 && config.output !== "text" ? `note: ${NO_OBJECTS}\n` : "";
  const exit = exitCode(summary, config.failOnWarnings);
  return config.printDefaulted
    ? { stdout: printDefaulted(documents, results), stderr: rendered + note, exitCode: exit }
    : { stdout: rendered, stderr: note, exitCode: exit };
}
