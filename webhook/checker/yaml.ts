// Manifests read as kubectl reads them, and where each field is written.
//
// kubectl turns YAML into JSON with sigs.k8s.io/yaml, which is go-yaml v2: YAML 1.1 scalars (`yes`,
// `on`, `0777`, `0x1F`, merge keys `<<`), timestamps and `1:30` kept as strings, a repeated key
// silently taken last, and NaN or infinities refused ("json: unsupported value"). The yaml package
// reads YAML 1.1 with the same table once its timestamp and sexagesimal tags are taken out and Go's
// `0o`/`0X`/`0B` integer prefixes added (test/validate-input.test.ts: merge keys, yes/no, repeated keys).
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
  type Pair,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type ScalarTag,
  type YAMLMap,
} from "yaml";
import { FieldPath } from "../admission/field.js";
import { isRecord } from "../formats/json.js";

/** 1-based, as editors and CI annotations count. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface ManifestDocument {
  /** The file as named on the command line or found in a directory; STDIN for `-`. */
  readonly file: string;
  /** Position of the document in its file, from 0 (the items of a `kind: List` share it). */
  readonly index: number;
  /** Where the object starts. */
  readonly position: SourcePosition;
  readonly value: Record<string, unknown>;
  /** Where `field` (an apimachinery path: `spec.imagePullSecrets[0].name`) is written, or the nearest parent that is. */
  locate(field: string): SourcePosition;
  /** Keys written twice in one mapping: kubectl keeps the last, silently. */
  readonly duplicateKeys: readonly { readonly field: string; readonly position: SourcePosition }[];
  /** The YAML document, for rewriting it with its comments (--print-defaulted); absent for List items. */
  readonly source?: Document.Parsed;
  /** Bytes of source the document spans: what the apiserver would be sent, give or take the encoding. */
  readonly size: number;
}

/** A file, or one document of it, that cannot be read as Kubernetes objects at all. */
export interface ReadProblem {
  readonly file: string;
  readonly index?: number;
  readonly position: SourcePosition;
  /** An input check of webhook/checker/inputs.ts. */
  readonly check: "input/read" | "input/too-large" | "input/syntax" | "input/helm" | "input/not-an-object" | "input/patch";
  readonly message: string;
}

const GO_PREFIXED_INT = /^[-+]?0[oOxXbB][0-9a-fA-F_]+$/;

/** Go's strconv.ParseInt(s, 0, 64), which go-yaml v2 calls, also reads 0o17, 0X1F and 0B101. */
const goPrefixedInt: ScalarTag = {
  identify: (value) => typeof value === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  test: GO_PREFIXED_INT,
  resolve(source, onError) {
    const sign = source.startsWith("-") ? -1 : 1;
    const digits = source.replace(/^[-+]/, "").replace(/_/g, "");
    const base = { o: 8, x: 16, b: 2 }[digits[1]?.toLowerCase() as "o" | "x" | "b"];
    const n = Number.parseInt(digits.slice(2), base);
    if (Number.isNaN(n)) onError(`invalid integer ${source}`);
    return sign * n;
  },
};

/** The YAML 1.1 tags go-yaml v2 resolves plain scalars with (see the head of this file). */
const kubectlTags: SchemaOptions["customTags"] = (tags) => [
  ...tags.filter((t) => !(typeof t === "object" && (t.tag === "tag:yaml.org,2002:timestamp" || t.format === "TIME"))),
  goPrefixedInt,
];

const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: kubectlTags,
  uniqueKeys: false,
  logLevel: "silent",
};

/** `{{ ... }}` outside a quoted value: a Helm (or other Go) template, not YAML yet. */
const TEMPLATE = /\{\{/;

const positionOf = (lines: LineCounter, offset: number): SourcePosition => {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
};

/** The pairs of a mapping, those merged in with `<<` after its own (its own keys win, as in go-yaml). */
function pairsOf(map: YAMLMap, doc: Document.Parsed): Pair[] {
  const own: Pair[] = [];
  const merged: Pair[] = [];
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof key === "symbol" || key === "<<") {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const s of sources) {
        const target = isAlias(s) ? s.resolve(doc) : s;
        if (isMap(target)) merged.push(...pairsOf(target, doc));
      }
    } else own.push(pair);
  }
  return [...own, ...merged];
}

const keyText = (pair: Pair): string | undefined => (isScalar(pair.key) ? String(pair.key.value) : undefined);

const deref = (node: unknown, doc: Document.Parsed): unknown => (isAlias(node) ? node.resolve(doc) : node);

/** The node written for `field` below `root`, walking apimachinery's path syntax against the keys that exist. */
function locateNode(root: Node, field: string, doc: Document.Parsed): Node {
  let node: unknown = root;
  let at: Node = root;
  let rest = field;
  while (rest !== "") {
    let next: { node: unknown; at: Node } | undefined;
    if (rest.startsWith("[")) {
      const end = rest.indexOf("]");
      const inner = end < 0 ? rest.slice(1) : rest.slice(1, end);
      rest = end < 0 ? "" : rest.slice(end + 1);
      if (isSeq(node) && /^\d+$/.test(inner)) {
        const item = node.items[Number(inner)] as Node | undefined;
        if (item) next = { node: deref(item, doc), at: item };
      } else if (isMap(node)) {
        const pair = pairsOf(node, doc).find((p) => keyText(p) === inner);
        if (pair) next = { node: deref(pair.value, doc), at: pair.key as Node };
      }
    } else if (isMap(node)) {
      // Keys may hold dots (label names): the longest key that the path continues after wins.
      const text = rest;
      const pair = pairsOf(node, doc)
        .filter((p) => {
          const k = keyText(p);
          return k !== undefined && (text === k || text.startsWith(`${k}.`) || text.startsWith(`${k}[`));
        })
        .sort((a, b) => (keyText(b)?.length ?? 0) - (keyText(a)?.length ?? 0))[0];
      if (pair) {
        rest = text.slice(keyText(pair)?.length ?? 0);
        next = { node: deref(pair.value, doc), at: pair.key as Node };
      }
    }
    if (!next) break;
    if (rest.startsWith(".")) rest = rest.slice(1);
    node = next.node;
    at = next.at;
  }
  return at;
}

/** Every key written twice in one mapping (kubectl keeps the last), and the first NaN or infinity. */
function inspect(root: Node): { duplicates: { path: FieldPath; node: Node }[]; nonFinite?: Node } {
  const duplicates: { path: FieldPath; node: Node }[] = [];
  let nonFinite: Node | undefined;
  const walk = (node: unknown, path: FieldPath): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const k = keyText(pair);
        if (k === undefined || typeof (pair.key as { value?: unknown }).value === "symbol") continue;
        if (seen.has(k)) duplicates.push({ path: path.child(k), node: pair.key as Node });
        seen.add(k);
        walk(pair.value, path.child(k));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, path.index(i)));
    } else if (isScalar(node) && typeof node.value === "number" && !Number.isFinite(node.value)) {
      nonFinite ??= node;
    }
  };
  walk(root, FieldPath.root());
  return nonFinite ? { duplicates, nonFinite } : { duplicates };
}

/** The first `{{` of a text, as a position. */
function templateAt(text: string, lines: LineCounter): SourcePosition {
  return positionOf(lines, Math.max(0, text.search(TEMPLATE)));
}

const HELM_HINT = "it looks like a Helm template ({{ ... }}); render it first: helm template RELEASE CHART | cnp-webhook validate -";

/** Whether a mapping somewhere has a mapping or list as a key: `name: {{ .Release.Name }}` reads as one. */
function hasCollectionKey(root: unknown): boolean {
  if (isMap(root)) return root.items.some((p) => isMap(p.key) || isSeq(p.key) || hasCollectionKey(p.value));
  if (isSeq(root)) return root.items.some(hasCollectionKey);
  return false;
}

/** A JSON 6902 patch: a list of operations. */
const looksLikeJsonPatch = (value: unknown): boolean =>
  Array.isArray(value) && value.length > 0 && value.every((op) => isRecord(op) && "op" in op && "path" in op);

export const KUSTOMIZE_HINT = "validate what kustomize renders: kubectl kustomize DIR | cnp-webhook validate -";

/**
 * The largest object the apiserver can store: etcd refuses a request above --max-request-bytes, whose
 * default is 1.5 MiB (etcd server/embed/config.go, DefaultMaxRequestBytes), with "etcdserver: request
 * is too large".
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

const DOCUMENT_START = /^---(?=[ \t\r\n]|$)/gm;

/**
 * The text with every YAML document longer than MAX_OBJECT_BYTES emptied but for its line breaks, so
 * that it costs nothing to parse while the others keep their lines, columns and indexes; and where
 * those documents were. Parsing is what costs with the YAML parser (some seconds per MiB), and no
 * such document could be created anyway.
 */
function withoutOversized(text: string): { text: string; oversized: { index: number; offset: number; bytes: number }[] } {
  if (text.length <= MAX_OBJECT_BYTES) return { text, oversized: [] };
  const starts = [0, ...[...text.matchAll(DOCUMENT_START)].map((m) => m.index ?? 0).filter((i) => i > 0)];
  const oversized: { index: number; offset: number; bytes: number }[] = [];
  const parts: string[] = [];
  let length = 0;
  const push = (part: string) => {
    parts.push(part);
    length += part.length;
  };
  starts.forEach((start, index) => {
    const chunk = text.slice(start, starts[index + 1] ?? text.length);
    const bytes = chunk.length <= MAX_OBJECT_BYTES / 4 ? chunk.length : Buffer.byteLength(chunk);
    if (bytes <= MAX_OBJECT_BYTES) return push(chunk);
    // Offsets into the text as parsed, where the lines (and so the positions) are the same.
    oversized.push({ index, offset: length, bytes });
    const marker = chunk.startsWith("---") ? "---" : "";
    push(marker + chunk.slice(marker.length).replace(/[^\n]+/g, ""));
  });
  return { text: parts.join(""), oversized };
}

/** --max-documents' default: a rendered chart or kustomization is tens to hundreds of documents. */
export const DEFAULT_MAX_DOCUMENTS = 10_000;

/**
 * Documents in a YAML stream, counted without parsing it: a `---` at the start of a line always starts
 * one (YAML 1.2 §9.1.2: a document marker at column 0 cannot be content, even inside a quoted scalar).
 */
const countDocuments = (text: string): number => (text.match(/^---(?=[ \t\r\n]|$)/gm)?.length ?? 0) + 1;

/**
 * Whether a document's text declares a Secret. A syntax error's message can quote the line it is on
 * (`password: |value` gives "Block scalar header includes extra characters: |value"); inside a Secret
 * that line may hold a value, so the message is replaced by one that quotes nothing.
 */
const declaresSecret = (text: string): boolean => /(^|[\s{,])["']?kind["']?\s*:\s*["']?Secret\b/m.test(text);

/** JSON at least this large is read with JSON.parse and located lazily (see readJson). */
const JSON_FAST_PATH_BYTES = 1024 * 1024;

/**
 * A large JSON file: JSON.parse is some twenty times faster than the YAML parser and holds no syntax
 * tree; kubectl reads JSON as JSON too (apimachinery's YAMLOrJSONDecoder, a repeated key taken last as
 * here). Positions are found only when a finding asks for one, by parsing the text as YAML then. The
 * one difference from the YAML path: keys written twice are not reported.
 */
function readJson(file: string, text: string): { documents: ManifestDocument[]; problems: ReadProblem[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not JSON after all, or broken: the YAML path reports where
  }
  if (!isRecord(value)) return undefined;
  let located: ManifestDocument[] | undefined;
  const slow = (i: number): ManifestDocument | undefined => {
    located ??= readYaml(file, text).documents;
    return located[i];
  };
  const size = Buffer.byteLength(text);
  const document = (object: Record<string, unknown>, i: number): ManifestDocument => ({
    file,
    index: 0,
    position: { line: 1, column: 1 },
    value: object,
    locate: (field) => slow(i)?.locate(field) ?? { line: 1, column: 1 },
    duplicateKeys: [],
    size,
  });
  if (value.kind === "List" && Array.isArray(value.items)) {
    return { documents: value.items.filter(isRecord).map((item, i) => document(item, i)), problems: [] };
  }
  return { documents: [document(value, 0)], problems: [] };
}

/** Reads every document of one file (or of stdin): objects, with a way to find their fields, or problems. */
export function readManifests(
  file: string,
  text: string,
  maxDocuments: number = DEFAULT_MAX_DOCUMENTS,
): { documents: ManifestDocument[]; problems: ReadProblem[] } {
  const count = countDocuments(text);
  if (count > maxDocuments) {
    const message = `${count} documents, above --max-documents (${maxDocuments}): not read`;
    return { documents: [], problems: [{ file, position: { line: 1, column: 1 }, check: "input/too-large", message }] };
  }
  const read = (text.length >= JSON_FAST_PATH_BYTES && /^\s*\{/.test(text) ? readJson(file, text) : undefined) ?? readYaml(file, text);
  // The items of a `kind: List` count as documents too: each is judged as one.
  if (read.documents.length > maxDocuments) {
    const message = `${read.documents.length} objects, above --max-documents (${maxDocuments}): not checked`;
    return { documents: [], problems: [{ file, position: { line: 1, column: 1 }, check: "input/too-large", message }] };
  }
  return read;
}

function readYaml(file: string, source: string): { documents: ManifestDocument[]; problems: ReadProblem[] } {
  const { text, oversized } = withoutOversized(source);
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const documents: ManifestDocument[] = [];
  const problems: ReadProblem[] = [];
  if (TEMPLATE.test(text) && docs.some((doc) => doc.errors.length > 0 || hasCollectionKey(doc.contents))) {
    return { documents, problems: [{ file, position: templateAt(text, lines), check: "input/helm", message: HELM_HINT }] };
  }
  docs.forEach((doc, index) => {
    const problem = (check: ReadProblem["check"], position: SourcePosition, message: string) => problems.push({ file, index, position, check, message });
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      const position = at ? { line: at.line, column: at.col } : { line: 1, column: 1 };
      if (declaresSecret(text.slice(doc.range[0], doc.range[2]))) {
        return problem("input/syntax", position, `YAML syntax error (${error.code}) in a Secret; its lines are not shown, so that no Secret value is printed`);
      }
      const message = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      return problem("input/syntax", position, `YAML syntax error: ${message}`);
    }
    const root = doc.contents;
    if (!root) return; // an empty document, or comments only: kubectl skips it too
    const start = positionOf(lines, root.range?.[0] ?? 0);
    const { nonFinite } = inspect(root);
    if (nonFinite) {
      return problem("input/syntax", positionOf(lines, nonFinite.range?.[0] ?? 0), "a number JSON cannot hold (.inf or .nan): kubectl refuses the file");
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return problem("input/syntax", start, `YAML error: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      const message = looksLikeJsonPatch(value)
        ? `a JSON 6902 patch, not an object; ${KUSTOMIZE_HINT}`
        : `a ${Array.isArray(value) ? "list" : typeof value}, not a Kubernetes object (a mapping with apiVersion and kind)`;
      return problem(looksLikeJsonPatch(value) ? "input/patch" : "input/not-an-object", start, message);
    }
    const document = (object: Record<string, unknown>, node: Node, own: boolean): ManifestDocument => ({
      file,
      index,
      position: positionOf(lines, node.range?.[0] ?? 0),
      value: object,
      locate: (field) => positionOf(lines, locateNode(node, field, doc).range?.[0] ?? 0),
      duplicateKeys: inspect(node).duplicates.map((d) => ({ field: d.path.toString(), position: positionOf(lines, d.node.range?.[0] ?? 0) })),
      ...(own ? { source: doc } : {}),
      size: Buffer.byteLength(text.slice(node.range?.[0] ?? 0, node.range?.[2] ?? 0)),
    });
    const items = isMap(root) ? pairsOf(root, doc).find((p) => keyText(p) === "items") : undefined;
    if (value.kind === "List" && Array.isArray(value.items) && isSeq(deref(items?.value, doc))) {
      const seq = deref(items?.value, doc) as { items: unknown[] };
      value.items.forEach((item, i) => {
        const node = deref(seq.items[i], doc) as Node | undefined;
        if (isRecord(item) && node) documents.push(document(item, node, false));
      });
    } else {
      documents.push(document(value, root, true));
    }
  });
  for (const o of oversized) {
    const message = `a document of ${o.bytes} bytes, above ${MAX_OBJECT_BYTES} (etcd's default request limit, so no object the apiserver could store): not read`;
    problems.push({ file, index: o.index, position: positionOf(lines, o.offset), check: "input/too-large", message });
  }
  return { documents, problems };
}
