// The fast reader of manifests: js-yaml, about five times faster than the yaml package (which read
// 5 MiB of small documents in 2.4 s of the 4 s `validate` took), for documents written plainly. Its
// plain scalars are resolved by the yaml package's own tags, as yaml.ts configures them to read what
// go-yaml v2 reads, so that both readers give the same values. Everything else goes to the yaml
// package, which reports every error and warning: anchors, aliases, merge keys, tags, tabs, complex
// keys, duplicate keys, .inf and .nan, `kind: List` (its items need their places), and whatever
// js-yaml refuses. test/validate-yaml-readers.test.ts holds the two readers to the same answers.
import jsyaml from "js-yaml";
import { isScalar, type ScalarTag } from "yaml";
import { isRecord } from "../formats/json.js";

/**
 * What the fast reader leaves to the yaml package, found in the text (a match inside a quoted string
 * only costs the slower read):
 * - an anchor, alias or tag (`&a`, `*a`, `!x`, `!` where a node may start), a merge key, a tab, an explicit
 *   key (`? `), or a collection used as a key (`]:`, `}:`);
 * - a character one reader may take for a line break or a space and the other not (a lone CR, NEL,
 *   LS, PS, form feed, BOM), or a line that starts like a document marker but is not one (`---#`);
 * - constructs where js-yaml was found to read what the yaml package refuses or reads otherwise
 *   (test/validate-yaml-readers.test.ts): a quoted scalar left open at the end of its line, text
 *   right after a closing quote, a `-` with nothing after it on its line, content on a `---` line,
 *   a comment glued to a bracket or quote, a flow mapping of several keys (js-yaml keeps the last of
 *   two equal keys there without a word), and a flow collection that goes on past its line (js-yaml
 *   does not hold its lines to their indentation; see `flowAcrossLines`).
 */
const NOT_PLAIN = new RegExp(
  [
    /(?:^|[\s[{,])(?:[&*]\S|!)|<<|\t|(?:^|[\s[{,])\?(?:\s|$)|[\]}]\s*:(?:\s|$)/,
    /\r(?!\n)|[\f\v\u0085\u2028\u2029\ufeff]|^(?:---|\.\.\.)\S/,
    /^(?:[^"\n]|"(?:[^"\\\n]|\\.)*")*"(?:[^"\\\n]|\\.)*$/,
    /^(?:[^'\n]|'(?:[^'\n]|'')*')*'(?:[^'\n]|'')*$/,
    /"(?:[^"\\\n]|\\.)*"[^\s:,\]}]|'(?:[^'\n]|'')*'[^\s:,\]}']/,
    /(?:^|[ \t])-[ \t]*(?:#.*)?\r?$|^---[ \t]+[^\s#]|[\]}"']#|\{.*,/,
  ]
    .map((r) => r.source)
    .join("|"),
  "m",
);

/** Whether some line opens more `[` and `{` than it closes: a flow collection continued on the next lines. */
function flowAcrossLines(text: string): boolean {
  for (const line of text.match(/^.*[[{].*$/gm) ?? []) {
    let depth = 0;
    for (const c of line) {
      if (c === "[" || c === "{") depth++;
      else if (c === "]" || c === "}") depth--;
    }
    if (depth > 0) return true;
  }
  return false;
}

/**
 * Keys the two readers write differently: a null key is "" for the yaml package and "null" for
 * js-yaml (kubectl refuses it: sigs.k8s.io/yaml converts no nil key), and js-yaml's name for a
 * mapping used as a key. A quoted key of these spellings only costs the slower read.
 */
const ODD_KEYS = new Set(["", "~", "null", "Null", "NULL", "[object Object]"]);

/** Whether a value holds only what both readers agree on: finite numbers and ordinary keys. */
function agreed(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(agreed);
  if (isRecord(value)) return Object.entries(value).every(([k, v]) => !ODD_KEYS.has(k) && agreed(v));
  return true;
}

/** The scalar tags yaml.ts resolves plain scalars with, in its order, as js-yaml types. */
function schemaOf(tags: readonly ScalarTag[]): jsyaml.Schema {
  const implicit = tags
    .filter((tag) => tag.default === true && tag.test !== undefined)
    .map(
      (tag, i) =>
        new jsyaml.Type(`tag:cnp-webhook,plain:${i}`, {
          kind: "scalar",
          resolve: (data: unknown) => (data === null ? tag.test?.test("") : typeof data === "string" && tag.test?.test(data)) === true,
          construct: (data: unknown) => {
            const value = tag.resolve(
              typeof data === "string" ? data : "",
              (message) => {
                throw new Error(message);
              },
              {},
            );
            // Some tags answer a node, to keep how the value was written (YAML 1.1 booleans): its value is what toJS gives.
            return isScalar(value) ? value.value : value;
          },
        }),
    );
  return jsyaml.FAILSAFE_SCHEMA.extend({ implicit });
}

/** js-yaml over the scalar tags yaml.ts configures: one schema for reading documents and for placing their fields. */
export function fastYaml(tags: readonly ScalarTag[]): { read: (text: string) => { value: unknown } | undefined; places: (text: string) => Placed | undefined } {
  const schema = schemaOf(tags);
  return { read: (text) => readPlainly(text, schema), places: (text) => placesOf(text, schema) };
}

/** Reads one document with js-yaml, or answers undefined when the yaml package must (see the head of this file). */
function readPlainly(text: string, schema: jsyaml.Schema): { value: unknown } | undefined {
  if (NOT_PLAIN.test(text) || flowAcrossLines(text)) return undefined;
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema });
  } catch {
    return undefined; // the yaml package says what is wrong, and where
  }
  if (!agreed(value) || (isRecord(value) && value.kind === "List")) return undefined;
  return { value };
}

/**
 * A node of a document as the locator walks it: where it starts (an offset into the document's text),
 * and its entries: a mapping's pairs, where each key starts, or a sequence's items, where each starts.
 */
export interface Placed {
  readonly start: number;
  readonly pairs?: () => readonly { readonly key: string | undefined; readonly keyStart: number; readonly value: Placed }[];
  readonly items?: () => readonly { readonly start: number; readonly value: Placed }[];
}

/** A node as js-yaml's listener saw it: opened where it starts, closed with its kind and value. */
interface Heard {
  readonly start: number;
  readonly children: Heard[];
  kind?: string;
  result?: unknown;
}

/**
 * The places of a document that `read` took (plainly written), from js-yaml's listener: some twenty
 * times cheaper than the yaml package's syntax tree, which a finding's place otherwise costs (a
 * Cluster re-read for each of thousands of warnings took half of `validate`). Undefined when what was
 * heard does not add up to the value read (js-yaml also opens a node for a key it then finds is none:
 * a scalar's children are such attempts, and are dropped); the yaml package places that document.
 */
function placesOf(text: string, schema: jsyaml.Schema): Placed | undefined {
  const top: Heard = { start: 0, children: [] };
  const open: Heard[] = [top];
  try {
    jsyaml.load(text, {
      schema,
      listener: (event, state) => {
        if (event === "open") {
          const node: Heard = { start: state.position, children: [] };
          open.at(-1)?.children.push(node);
          open.push(node);
        } else {
          const node = open.pop();
          if (node) {
            node.kind = state.kind;
            node.result = state.result;
          }
        }
      },
    });
  } catch {
    return undefined;
  }
  const root = top.children[0];
  if (open.length !== 1 || !root) return undefined;
  try {
    return placed(root);
  } catch (e) {
    if (e instanceof Unheard) return undefined;
    throw e;
  }
}

/** Thrown where the nodes heard do not add up to the value: the yaml package reads that document. */
class Unheard extends Error {}

function placed(node: Heard): Placed {
  const { start, kind, result, children } = node;
  if (kind === "mapping" && isRecord(result)) {
    const keys = Object.keys(result);
    if (children.length !== 2 * keys.length) throw new Unheard();
    const pairs = keys.map((_, i) => {
      const key = children[2 * i] as Heard;
      return { key: String(key.result), keyStart: key.start, value: placed(children[2 * i + 1] as Heard) };
    });
    // As many pairs as keys, each key one of the value's (js-yaml refuses a key written twice): the same keys.
    if (!pairs.every((p) => Object.hasOwn(result, p.key))) throw new Unheard();
    return { start, pairs: () => pairs };
  }
  if (kind === "sequence" && Array.isArray(result)) {
    if (children.length !== result.length) throw new Unheard();
    const items = children.map((child) => ({ start: child.start, value: placed(child) }));
    return { start, items: () => items };
  }
  return { start };
}
