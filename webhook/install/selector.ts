// Label selectors as kubectl's `-l` writes them (`env in (prod,staging),team!=legacy,!skip`), turned
// into a metav1.LabelSelector for webhook namespaceSelector/objectSelector. The grammar and the key
// and value rules are apimachinery's (pkg/labels/selector.go, pkg/util/validation/validation.go).
import { dns1123SubdomainProblems } from "../formats/formats.js";

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** A selector that cannot be parsed; the message names the part that is wrong. */
export class SelectorError extends Error {}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix === "" || dns1123SubdomainProblems(prefix).length > 0)) {
    throw new SelectorError(`label key ${JSON.stringify(key)}: the prefix must be a DNS subdomain`);
  }
  if (name.length > 63 || !NAME.test(name)) {
    throw new SelectorError(`label key ${JSON.stringify(key)}: a name of at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`);
  }
}

function checkValue(value: string): void {
  if (value !== "" && (value.length > 63 || !NAME.test(value))) {
    throw new SelectorError(`label value ${JSON.stringify(value)}: at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`);
  }
}

/** Splits at commas outside parentheses. */
function requirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth < 0) throw new SelectorError(`unbalanced ")" in ${JSON.stringify(text)}`);
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (depth !== 0) throw new SelectorError(`unbalanced "(" in ${JSON.stringify(text)}`);
  parts.push(current.trim());
  return parts;
}

const SET = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/;
const EQUALITY = /^([^\s=!]+)\s*(==|=|!=)\s*(\S*)$/;

export function parseLabelSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const part of requirements(text)) {
    if (part === "") throw new SelectorError(`empty requirement in ${JSON.stringify(text)}`);
    const set = SET.exec(part);
    const equality = EQUALITY.exec(part);
    if (set) {
      const [, key, op, list] = set as unknown as [string, string, string, string];
      const values = list.split(",").map((v) => v.trim());
      checkKey(key);
      values.forEach(checkValue);
      matchExpressions.push({ key, operator: op === "in" ? "In" : "NotIn", values });
    } else if (equality) {
      const [, key, op, value] = equality as unknown as [string, string, string, string];
      checkKey(key);
      checkValue(value);
      if (op === "!=") matchExpressions.push({ key, operator: "NotIn", values: [value] });
      else if (key in matchLabels && matchLabels[key] !== value) throw new SelectorError(`label ${JSON.stringify(key)} cannot equal two values`);
      else matchLabels[key] = value;
    } else if (/^!\s*\S+$/.test(part)) {
      const key = part.slice(1).trim();
      checkKey(key);
      matchExpressions.push({ key, operator: "DoesNotExist" });
    } else if (/^\S+$/.test(part)) {
      checkKey(part);
      matchExpressions.push({ key: part, operator: "Exists" });
    } else {
      throw new SelectorError(`cannot read ${JSON.stringify(part)}: write key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
    }
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}
