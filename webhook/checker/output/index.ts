// One module per output format (kubeconform's pkg/output): the table `validate --output` picks from.
import type { OutputFormat } from "../config.js";
import type { Report } from "../report.js";
import { formatGithub } from "./github.js";
import { formatJson } from "./json.js";
import { formatJunit } from "./junit.js";
import { formatSarif } from "./sarif.js";
import { formatTap } from "./tap.js";
import { formatText } from "./text.js";

export const FORMATTERS: Record<OutputFormat, (report: Report) => string> = {
  text: formatText,
  json: formatJson,
  junit: formatJunit,
  tap: formatTap,
  sarif: formatSarif,
  github: formatGithub,
};
