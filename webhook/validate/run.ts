// `cnp-webhook validate`: discovery, check, output; the exit code (README "Checking manifests in CI").
import type { Registry } from "../admission/rule.js";
import { checkDocuments } from "./check.js";
import type { OutputFormat, ValidateConfig } from "./config.js";
import { collectFiles, InputError, readDocuments, type ManifestDocument } from "./discovery.js";
import { formatJson } from "./output/json.js";
import { formatText } from "./output/text.js";
import type { CheckResult } from "./check.js";

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const FORMATTERS: Record<OutputFormat, (results: readonly CheckResult[]) => string> = { text: formatText, json: formatJson };

/** Returns the exit code: 0 all admitted, 1 any denied, 2 input or usage error. */
export async function runValidate(config: ValidateConfig, registry: Registry, io: CommandIO): Promise<number> {
  let documents: ManifestDocument[];
  try {
    const problems: string[] = [];
    documents = collectFiles(config.paths).flatMap((f) => {
      try {
        return readDocuments(f);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(err.message);
        return [];
      }
    });
    if (problems.length) {
      for (const p of problems) io.stderr(`error: ${p}\n`);
      return 2;
    }
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const results = await checkDocuments(documents, config, registry);
  io.stdout(FORMATTERS[config.output](results));
  return results.some((r) => r.status === "denied" || r.status === "error") ? 1 : 0;
}
