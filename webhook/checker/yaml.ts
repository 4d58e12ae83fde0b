// Manifests read as kubectl reads them, and where each field is written.
//
// kubectl turns YAML into JSON with sigs.k8s.io/yaml, which is go-yaml v2: YAML 1.1 scalars (`yes`,
// `on`, `0777`, `0x1F`, merge keys `<<`), timestamps and `1:30` kept as strings, a repeated key
// silently taken last, and NaN or infinities refused ("json: unsupported value"). The yaml package
// reads YAML 1.1 with the same table once its timestamp and sexagesimal tags are taken out and Go's
// `0o`/`0X`/`0B` integer prefixes added (test/validate-input.test.ts: merge keys, yes/no, repeated keys).
import {
  Composer,
  CST,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  parseAllDocuments,
  parseDocument,
  Document,
  type Node,
  type Pair,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type ScalarTag,
  type YAMLMap,
} from "yaml";
import { OBJECT_LIMITS } from "../admission/bounds.js";
import { FieldPath } from "../admission/field.js";
import { isRecord } from "../formats/json.js";
import { fastYaml, type Placed } from "./yaml-fast.js";

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
  /** The YAML document, for rewriting it with its comments (--print-defaulted, see `keepSources`); absent for List items. */
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
  readonly check: "input/read" | "input/too-large" | "input/encoding" | "input/syntax" | "input/helm" | "input/not-an-object" | "input/patch";
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

/** Where offset `index` of `text` is, counted from the text itself (no parser has to have read that far). */
export function positionAt(text: string, index: number): SourcePosition {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: index - start + 1 };
}

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

/** A node of the yaml package's tree as the locator walks it (aliases followed, merge keys merged). */
function placedOf(node: unknown, doc: Document.Parsed): Placed {
  const start = (node as Node | undefined)?.range?.[0] ?? 0;
  if (isMap(node))
    return {
      start,
      pairs: () =>
        pairsOf(node, doc).map((p) => ({ key: keyText(p), keyStart: (p.key as Node | null)?.range?.[0] ?? 0, value: placedOf(deref(p.value, doc), doc) })),
    };
  if (isSeq(node))
    return { start, items: () => node.items.map((item) => ({ start: (item as Node | null)?.range?.[0] ?? 0, value: placedOf(deref(item, doc), doc) })) };
  return { start };
}

/**
 * Where the node written for `field` below `root` starts, walking apimachinery's path syntax against
 * the keys that exist: a pair's key, an item, or the deepest of them that exists.
 */
function locateIn(root: Placed, field: string): number {
  let node = root;
  let at = root.start;
  let rest = field;
  while (rest !== "") {
    let next: { node: Placed; at: number } | undefined;
    if (rest.startsWith("[")) {
      const end = rest.indexOf("]");
      const inner = end < 0 ? rest.slice(1) : rest.slice(1, end);
      rest = end < 0 ? "" : rest.slice(end + 1);
      if (node.items && /^\d+$/.test(inner)) {
        const item = node.items()[Number(inner)];
        if (item) next = { node: item.value, at: item.start };
      } else if (node.pairs) {
        const pair = node.pairs().find((p) => p.key === inner);
        if (pair) next = { node: pair.value, at: pair.keyStart };
      }
    } else if (node.pairs) {
      // Keys may hold dots (label names): the longest key that the path continues after wins.
      const text = rest;
      const pair = node
        .pairs()
        .filter(({ key: k }) => k !== undefined && (text === k || text.startsWith(`${k}.`) || text.startsWith(`${k}[`)))
        .sort((a, b) => (b.key?.length ?? 0) - (a.key?.length ?? 0))[0];
      if (pair) {
        rest = text.slice(pair.key?.length ?? 0);
        next = { node: pair.value, at: pair.keyStart };
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
const templateAt = (text: string): SourcePosition => positionAt(text, Math.max(0, text.search(TEMPLATE)));

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
/** Text before the first `---` is a document of its own when it holds more than comments (and line breaks: \n, \r\n). */
const HAS_CONTENT = /^[ \t]*(?:[^ \t\r\n#\ufeff]|\r(?!\n))/m;

/**
 * Where each document of a YAML stream is, counted as the parser counts them: every `---` at the
 * start of a line starts one (YAML 1.2 §9.1.2: a document marker at column 0 cannot be content, even
 * inside a quoted scalar), and the text before the first is one when it holds more than comments.
 * (`...` and directives start documents too: files with them are read by the parser alone.)
 */
function chunksOf(text: string): { start: number; end: number }[] {
  const markers = [...text.matchAll(DOCUMENT_START)].map((m) => m.index ?? 0);
  const first = markers[0] ?? text.length;
  const chunks = first > 0 && HAS_CONTENT.test(text.slice(0, first)) ? [{ start: 0, end: first }] : [];
  markers.forEach((start, n) => chunks.push({ start, end: markers[n + 1] ?? text.length }));
  return chunks;
}

/**
 * The text with every YAML document longer than MAX_OBJECT_BYTES emptied but for its line breaks, so
 * that it costs nothing to parse while the others keep their lines, columns and indexes; and where
 * those documents were. Parsing is what costs with the YAML parser (some seconds per MiB), and no
 * such document could be created anyway.
 */
function withoutOversized(text: string): { text: string; oversized: { index: number; offset: number; bytes: number }[] } {
  if (text.length <= MAX_OBJECT_BYTES) return { text, oversized: [] };
  const oversized: { index: number; offset: number; bytes: number }[] = [];
  const chunks = chunksOf(text);
  const parts: string[] = [];
  let length = 0;
  const push = (part: string) => {
    parts.push(part);
    length += part.length;
  };
  push(text.slice(0, chunks[0]?.start ?? text.length));
  chunks.forEach(({ start, end }, index) => {
    const chunk = text.slice(start, end);
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

/** Where a document's object is in its file: the document's span, and for an item of a `kind: List` its place in `items`. */
interface Span {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly item?: number;
  /** Read by js-yaml (yaml-fast.ts): its fields are placed by js-yaml too. */
  readonly plain?: boolean;
}

/** The `items` of a `kind: List` document, as written. */
function listItems(root: unknown, doc: Document.Parsed): unknown[] | undefined {
  const items = isMap(root) ? pairsOf(root, doc).find((p) => keyText(p) === "items") : undefined;
  const seq = deref(items?.value, doc);
  return isSeq(seq) ? seq.items : undefined;
}

/** The `i`th item of a `kind: List` document's `items`. */
const itemNode = (root: unknown, i: number, doc: Document.Parsed): Node | undefined => deref(listItems(root, doc)?.[i], doc) as Node | undefined;

/**
 * Positions in one file. A field is located by parsing its document again, when a finding asks and
 * only then: no syntax tree is kept while the file is read (a 5 MiB file of small documents held
 * 200 MiB of them), and most documents have no finding. The last document parsed is kept for the
 * other findings of the same document.
 */
class FileLocator {
  private last: { start: number; root: Placed; base: number } | undefined;
  private whole: Document.Parsed[] | undefined;
  /** Looked for once: a multi-line `^` scans the whole text, and a file can have a finding per document. */
  private directives: boolean | undefined;

  constructor(
    private readonly text: string,
    private readonly lines: LineCounter,
  ) {}

  position(offset: number): SourcePosition {
    return positionOf(this.lines, offset);
  }

  locate(span: Span, field: string): SourcePosition {
    const tree = this.tree(span);
    if (!tree) return this.position(span.start);
    return this.position(tree.base + locateIn(tree.root, field));
  }

  /**
   * The document read again on its own, from the start of its first line so that columns hold: by
   * js-yaml's listener if js-yaml read it (yaml-fast.ts), else by the yaml package; or, when the file
   * has directives (a %TAG the document may use), the whole file once. A document that does not parse
   * again (nested past what the parser follows) is located at its start.
   */
  private tree(span: Span): { root: Placed; base: number } | undefined {
    if (this.last?.start === span.start) return this.last;
    this.directives ??= DIRECTIVE.test(this.text);
    if (this.directives) {
      this.whole ??= parseAllDocuments(this.text, LOCATE_OPTIONS) as Document.Parsed[];
      const whole = this.whole[span.index];
      return whole && whole.errors.length === 0 ? this.rooted(whole, span, 0) : undefined;
    }
    const base = span.start - (this.lines.linePos(span.start).col - 1);
    const text = this.text.slice(base, span.end);
    const heard = span.plain ? fastYamlReader.places(text) : undefined;
    const tree = heard ? { root: heard, base } : this.parsed(text, span, base);
    if (tree) this.last = { start: span.start, ...tree };
    return tree;
  }

  private parsed(text: string, span: Span, base: number): { root: Placed; base: number } | undefined {
    const doc = parseDocument(text, LOCATE_OPTIONS);
    return doc.errors.length > 0 ? undefined : this.rooted(doc, span, base);
  }

  /** The document's object, or the item of its `items` that the span is. */
  private rooted(doc: Document.Parsed, span: Span, base: number): { root: Placed; base: number } | undefined {
    const root = span.item === undefined ? doc.contents : itemNode(doc.contents, span.item, doc);
    return root ? { root: placedOf(root, doc), base } : undefined;
  }
}

const DIRECTIVE = /^%/m;
/** Errors are only checked for, never shown: no excerpt of the source is made for them. */
const LOCATE_OPTIONS = { ...PARSE_OPTIONS, prettyErrors: false };

/** The line starts of a text, as the YAML parser would have counted them. */
function linesOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  return lines;
}

/** JSON at least this large is read with JSON.parse and located lazily (see readJson). */
const JSON_FAST_PATH_BYTES = 1024 * 1024;

type Read = { documents: ManifestDocument[]; problems: ReadProblem[] };

/**
 * A large JSON file: JSON.parse is some twenty times faster than the YAML parser and holds no syntax
 * tree; kubectl reads JSON as JSON too (apimachinery's YAMLOrJSONDecoder, a repeated key taken last as
 * here). Positions are found only when a finding asks for one, by parsing the text as YAML then. The
 * one difference from the YAML path: keys written twice are not reported.
 */
function readJson(file: string, text: string): Read | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not JSON after all, or broken: the YAML path reports where
  }
  if (!isRecord(value)) return undefined;
  let locator: FileLocator | undefined;
  const size = Buffer.byteLength(text);
  const document = (object: Record<string, unknown>, item?: number): ManifestDocument => ({
    file,
    index: 0,
    position: { line: 1, column: 1 },
    value: object,
    locate: (field) => {
      locator ??= new FileLocator(text, linesOf(text));
      return locator.locate({ index: 0, start: 0, end: text.length, ...(item === undefined ? {} : { item }) }, field);
    },
    duplicateKeys: [],
    size,
  });
  if (value.kind === "List" && Array.isArray(value.items)) {
    // Items that are not objects are skipped as kubectl skips them; the others keep their place in `items`.
    const documents = value.items.flatMap((item, i) => (isRecord(item) ? [document(item, i)] : []));
    return { documents, problems: [] };
  }
  return { documents: [document(value)], problems: [] };
}

export interface ReadOptions {
  /** --max-documents: a file with more is reported, not read. */
  readonly maxDocuments?: number;
  /** Keep each document's syntax tree (ManifestDocument.source), for --print-defaulted. */
  readonly keepSources?: boolean;
}

/** Reads every document of one file (or of stdin): objects, with a way to find their fields, or problems. */
export function readManifests(file: string, text: string, { maxDocuments = DEFAULT_MAX_DOCUMENTS, keepSources = false }: ReadOptions = {}): Read {
  const count = countDocuments(text);
  if (count > maxDocuments) {
    const message = `${count} documents, above --max-documents (${maxDocuments}): not read`;
    return { documents: [], problems: [{ file, position: { line: 1, column: 1 }, check: "input/too-large", message }] };
  }
  const read = (text.length >= JSON_FAST_PATH_BYTES && /^\s*\{/.test(text) ? readJson(file, text) : undefined) ?? readYaml(file, text, keepSources);
  // The items of a `kind: List` count as documents too: each is judged as one.
  if (read.documents.length > maxDocuments) {
    const message = `${read.documents.length} objects, above --max-documents (${maxDocuments}): not checked`;
    return { documents: [], problems: [{ file, position: { line: 1, column: 1 }, check: "input/too-large", message }] };
  }
  return read;
}

/**
 * The documents of a YAML stream one at a time: each is composed from the parser's tokens, handed
 * over, and can be dropped before the next one is read.
 */
function* documentsOf(text: string): Generator<Document.Parsed> {
  yield* new Composer(PARSE_OPTIONS).compose(new Parser().parse(text)) as Generator<Document.Parsed>;
}

const MAX_NESTING = OBJECT_LIMITS.maxDepth;

/**
 * Where a document's lists and mappings first nest past MAX_NESTING, for a document too deep for the
 * YAML parser (it gives up at some hundreds of levels with a stack overflow): a flow `[` or `{` inside
 * MAX_NESTING others, or in block style a line indented, or a `- ` placed, past column MAX_NESTING
 * (each block level takes a column at least). Offsets are counted as the parser counts them.
 */
function nestingTooDeep(text: string, start: number, end: number): number | undefined {
  let offset = start;
  let lineStart = start;
  let flow = 0;
  let atScalar = false;
  for (const token of new Lexer().lex(text.slice(start, end))) {
    if (atScalar) {
      atScalar = false;
      offset += token.length;
      continue;
    }
    const type = CST.tokenType(token);
    if (type === "scalar") atScalar = true;
    if (type === "scalar" || type === "doc-mode" || type === "flow-error-end") continue;
    if (type === "flow-seq-start" || type === "flow-map-start") {
      if (++flow > MAX_NESTING) return offset;
    } else if (type === "flow-seq-end" || type === "flow-map-end") flow--;
    else if (flow === 0 && (type === "space" || type === "seq-item-ind") && offset + token.length - lineStart > MAX_NESTING) return offset + token.length;
    offset += token.length;
    if (type === "newline") lineStart = offset;
  }
  return undefined;
}

const tooDeepMessage = `lists and mappings nested more than ${MAX_NESTING} levels deep, past what this reader follows; the webhook denies objects nested deeper than ${MAX_NESTING} levels`;

const isStackOverflow = (message: string): boolean => message.includes("Maximum call stack size exceeded");

/**
 * One document's object. Built out here, so that its `locate` closes over the locator and the span
 * alone: made in readYaml's loop, it would keep that iteration's syntax tree alive with it.
 */
function manifestDocument(
  file: string,
  value: Record<string, unknown>,
  locator: FileLocator,
  span: Span,
  found: Pick<ManifestDocument, "position" | "duplicateKeys" | "size" | "source">,
): ManifestDocument {
  return { file, index: span.index, value, locate: (field) => locator.locate(span, field), ...found };
}

/** One file being read: where its documents and problems go, and how fields are found in it. */
interface FileRead extends Read {
  readonly file: string;
  readonly text: string;
  readonly locator: FileLocator;
  readonly keepSources: boolean;
}

/** A document as the yaml package composed it, at offset `base` of the file's text. */
function readDocument(doc: Document.Parsed, index: number, base: number, read: FileRead): void {
  const { file, text, locator } = read;
  const at = (offset: number | undefined) => locator.position(base + (offset ?? 0));
  const problem = (check: ReadProblem["check"], position: SourcePosition, message: string): void => {
    read.problems.push({ file, index, position, check, message });
  };
  const [start, , end] = doc.range.map((o) => base + o) as [number, number, number];
  const error = doc.errors[0];
  if (error) {
    if (isStackOverflow(error.message)) {
      const deep = nestingTooDeep(text, start, end);
      problem("input/too-large", deep === undefined ? at(error.pos[0]) : locator.position(deep), tooDeepMessage);
    } else if (declaresSecret(text.slice(start, end))) {
      problem("input/syntax", at(error.pos[0]), `YAML syntax error (${error.code}) in a Secret; its lines are not shown, so that no Secret value is printed`);
    } else problem("input/syntax", at(error.pos[0]), `YAML syntax error: ${error.message.split("\n")[0] ?? ""}`);
    return;
  }
  const root = doc.contents;
  if (!root) return; // an empty document, or comments only: kubectl skips it too
  const { duplicates, nonFinite } = inspect(root);
  if (nonFinite) return problem("input/syntax", at(nonFinite.range?.[0]), "a number JSON cannot hold (.inf or .nan): kubectl refuses the file");
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const message = (err as Error).message;
    if (isStackOverflow(message)) return problem("input/too-large", locator.position(nestingTooDeep(text, start, end) ?? base + root.range[0]), tooDeepMessage);
    return problem("input/syntax", at(root.range[0]), `YAML error: ${message}`);
  }
  if (value === null || value === undefined) return;
  if (!isRecord(value)) return notAnObject(value, at(root.range[0]), problem);
  const span: Span = { index, start, end };
  const document = (object: Record<string, unknown>, node: Node, item?: number): ManifestDocument => {
    const found = item === undefined ? duplicates : inspect(node).duplicates;
    return manifestDocument(file, object, locator, item === undefined ? span : { ...span, item }, {
      position: at(node.range?.[0]),
      duplicateKeys: found.map((d) => ({ field: d.path.toString(), position: at(d.node.range?.[0]) })),
      size: Buffer.byteLength(text.slice(base + (node.range?.[0] ?? 0), base + (node.range?.[2] ?? 0))),
      ...(read.keepSources && item === undefined ? { source: doc } : {}),
    });
  };
  const items = value.kind === "List" && Array.isArray(value.items) ? listItems(root, doc) : undefined;
  if (items && Array.isArray(value.items)) {
    value.items.forEach((item, n) => {
      const node = deref(items[n], doc) as Node | undefined;
      if (isRecord(item) && node) read.documents.push(document(item, node, n));
    });
  } else read.documents.push(document(value, root));
}

/** A document that is a list or a scalar: a JSON patch, or not an object at all. */
function notAnObject(
  value: unknown,
  position: SourcePosition,
  problem: (check: ReadProblem["check"], position: SourcePosition, message: string) => void,
): void {
  if (looksLikeJsonPatch(value)) problem("input/patch", position, `a JSON 6902 patch, not an object; ${KUSTOMIZE_HINT}`);
  else
    problem("input/not-an-object", position, `a ${Array.isArray(value) ? "list" : typeof value}, not a Kubernetes object (a mapping with apiVersion and kind)`);
}

const fastYamlReader = fastYaml(new Document(null, PARSE_OPTIONS).schema.tags.filter((t): t is ScalarTag => !("collection" in t && t.collection)));

/** A carriage return that does not end a line: the parser does not take it for a line break, where `^` would. */
const LONE_CR = /\r(?!\n)/;

/** `...` at the start of a line: it ends a document, and what follows it starts the next without `---`. */
const DOCUMENT_END = /^\.\.\.(?=[ \t\r\n]|$)/m;
/** Where a document's content starts: past its `---`, blank lines and comments. */
function contentStart(text: string, start: number, end: number): number {
  let i = text.startsWith("---", start) ? start + 3 : start;
  while (i < end) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") i++;
    else if (c === "#") i = text.indexOf("\n", i) < 0 ? end : text.indexOf("\n", i);
    else break;
  }
  return i;
}

/**
 * Every document of a file. Documents are split at their `---` lines and each is read by the fast
 * reader (yaml-fast.ts) or, when it declines, by the yaml package. A file with directives (`%`),
 * document ends (`...`) or Helm templates, or whose syntax trees are to be kept, is read by the yaml
 * package alone.
 */
function readYaml(file: string, source: string, keepSources: boolean): Read {
  const { text, oversized } = withoutOversized(source);
  const lines = linesOf(text);
  const fresh = (): FileRead => ({ file, text, locator: new FileLocator(text, lines), keepSources, documents: [], problems: [] });
  const templated = TEMPLATE.test(text);
  let read = fresh();
  // A syntax error is reported where the yaml package finds it reading the whole file (an unclosed
  // quote runs on past the next `---`): the file is read again that way.
  const chunked =
    !keepSources &&
    !templated &&
    !DIRECTIVE.test(text) &&
    !DOCUMENT_END.test(text) &&
    !LONE_CR.test(text) &&
    chunksOf(text).every((c, i) => readChunk(c.start, c.end, i, read));
  if (!chunked) {
    read = fresh();
    let index = -1;
    for (const doc of documentsOf(text)) {
      index++;
      if (templated && (doc.errors.length > 0 || hasCollectionKey(doc.contents))) {
        return { documents: [], problems: [{ file, position: templateAt(text), check: "input/helm", message: HELM_HINT }] };
      }
      readDocument(doc, index, 0, read);
    }
  }
  for (const o of oversized) {
    const message = `a document of ${o.bytes} bytes, above ${MAX_OBJECT_BYTES} (etcd's default request limit, so no object the apiserver could store): not read`;
    read.problems.push({ file, index: o.index, position: positionOf(lines, o.offset), check: "input/too-large", message });
  }
  return { documents: read.documents, problems: read.problems };
}

/** The document written from `start` to `end`, the `index`th of its file; false when the whole file must be read at once. */
function readChunk(start: number, end: number, index: number, read: FileRead): boolean {
  const { file, text, locator } = read;
  const plain = fastYamlReader.read(text.slice(start, end));
  if (!plain) {
    // A document the parser splits further (content after a finished one) is counted by the whole file's read.
    const docs = [...documentsOf(text.slice(start, end))];
    if (docs.length > 1 || docs.some((doc) => doc.errors.length > 0)) return false;
    for (const doc of docs) readDocument(doc, index, start, read);
    return true;
  }
  const { value } = plain;
  if (value === null || value === undefined) return true;
  const position = locator.position(contentStart(text, start, end));
  if (isRecord(value)) {
    const size = Buffer.byteLength(text.slice(contentStart(text, start, end), end).trimEnd());
    read.documents.push(manifestDocument(file, value, locator, { index, start, end, plain: true }, { position, duplicateKeys: [], size }));
  } else notAnObject(value, position, (check, at, message) => read.problems.push({ file, index, position: at, check, message }));
  return true;
}
