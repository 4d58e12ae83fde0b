// One module per output format (kubeconform's pkg/output): the table `validate --output` picks from.
// Each loads when asked for: the JUnit and SARIF builders alone took a third of the command's start-up.
import type { OutputFormat } from "../config.js";
import type { Report } from "../report.js";

type Formatter = (report: Report) => string;

export const FORMATTERS: Record<OutputFormat, () => Promise<Formatter>> = {
  text: async () => (await import("./text.js")).formatText,
  json: async () => (await import("./json.js")).formatJson,
  junit: async () => (await import("./junit.js")).formatJunit,
  tap: async () => (await import("./tap.js")).formatTap,
  sarif: async () => (await import("./sarif.js")).formatSarif,
  github: async () => (await import("./github.js")).formatGithub,
};
