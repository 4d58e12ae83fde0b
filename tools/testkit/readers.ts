// Readers of validate's output formats, as the tools that consume them read them: the SARIF 2.1.0
// schema, an XML parser for JUnit, tap-parser for TAP, and the workflow-command grammar of GitHub
// Actions (the actions toolkit's command.ts). Tests parse output back with these, never with regexes
// over the whole text.
import { Validator } from "@cfworker/json-schema";
import sarifSchema from "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json" with { type: "json" };
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { type FinalResults, Parser as TapParser } from "tap-parser";

/** The SARIF 2.1.0 schema's verdict on a log, with the first errors. */
export function sarifErrors(log: unknown): unknown[] {
  const verdict = new Validator(sarifSchema as object, "4", false).validate(log);
  return verdict.valid ? [] : verdict.errors.slice(0, 5);
}

/** A JUnit report as a CI reader sees it: well-formed XML (or an error), attributes unprefixed. */
export function parseJunit(xml: string): any {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw new Error(`JUnit XML is not well-formed: ${JSON.stringify(wellFormed.err)}`);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => ["testsuite", "testcase"].includes(name) }).parse(xml);
}

export interface TapPoint {
  ok: boolean;
  name: string;
  skip: string | boolean;
  diag: any;
}

/** A TAP stream read by tap-parser: its test points, the final counts and anything it could not read. */
export async function parseTap(text: string): Promise<{ points: TapPoint[]; final: FinalResults; extra: string[] }> {
  const points: TapPoint[] = [];
  const extra: string[] = [];
  const final = await new Promise<FinalResults>((resolve) => {
    const parser = new TapParser();
    parser.on("assert", (a: TapPoint) => points.push(a));
    parser.on("extra", (line: string) => extra.push(line));
    parser.on("complete", resolve);
    parser.end(text);
  });
  return { points, final, extra };
}

export interface WorkflowCommand {
  readonly command: string;
  readonly properties: Record<string, string>;
  readonly message: string;
}

// The runner's unescaping (the reverse of the toolkit's escapeData / escapeProperty).
const fromData = (s: string): string => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
const fromProperty = (s: string): string => fromData(s.replace(/%3A/g, ":").replace(/%2C/g, ","));

/**
 * Every line of `text` the runner would take as a workflow command, read as the runner reads it: a line
 * that starts with `::` (leading blanks aside), the command up to the next `::`, its name up to a blank,
 * properties split at `,` and at the first `=`, then unescaped.
 */
export function parseWorkflowCommands(text: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("::")) continue;
    const end = line.indexOf("::", 2);
    if (end < 0) continue;
    const info = line.slice(2, end);
    const blank = info.indexOf(" ");
    const properties: Record<string, string> = {};
    for (const kv of (blank < 0 ? "" : info.slice(blank + 1)).split(",").filter(Boolean)) {
      const eq = kv.indexOf("=");
      if (eq > 0) properties[kv.slice(0, eq)] = fromProperty(kv.slice(eq + 1));
    }
    commands.push({ command: blank < 0 ? info : info.slice(0, blank), properties, message: fromData(line.slice(end + 2)) });
  }
  return commands;
}
