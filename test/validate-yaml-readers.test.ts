// `validate` reads most documents with js-yaml (webhook/checker/yaml-fast.ts) and the rest with the
// yaml package, which is set up to read what kubectl reads (webhook/checker/yaml.ts). Both must give
// the same answer for every text: the same objects at the same places, or the same problems. Here
// the fast path (readManifests) is held to the yaml package alone (readManifests with keepSources,
// which --print-defaulted uses), in the documents read and in the place of every field a finding may
// name (js-yaml's listener against the yaml package's syntax tree), on generated YAML: scalars that YAML 1.1 resolves in surprising ways,
// every scalar and collection style, comments, CRLF, several documents, and random damage to all of it.
// YAML_READER_RUNS sets the number of streams (100 in `make test`, 3,000 in `make soak`), twice as many
// damaged; FUZZ_SEED=N reproduces a run.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { binaryUnit } from "../tools/fuzz/arbitraries.js";
import { budget } from "../tools/testkit/budget.js";
import { readManifests, type ManifestDocument, type ReadProblem } from "../webhook/checker/yaml.js";

const seed = process.env["FUZZ_SEED"] ? { seed: Number(process.env["FUZZ_SEED"]) } : {};
const RUNS = budget("YAML_READER_RUNS", 100, 3000);

/** Plain scalars whose type differs between YAML 1.1, YAML 1.2, Go and JavaScript. */
const TRICKY = [
  ...["yes", "No", "on", "OFF", "y", "n", "Y", "true", "False", "TRUE", "tRue"],
  ...["~", "null", "Null", "NULL", ""],
  ...["0777", "08", "0o17", "0O17", "0x1F", "0X1f", "-0x1F", "0b101", "0B11", "0b", "0x", "0xG", "+12", "-0", "00", "1_000", "1__2"],
  ...["1e3", "1E3", "1e", "e3", ".5", "+.5", "1.", "-1.e2", ".e3", "1_000.5", "0.1_0", "1.0"],
  ...["-.inf", ".Inf", ".NaN", ".nan", "1:30", "12:30:45", "2001-12-14", "2001-12-14t21:59:43.10-05:00"],
  ...["line one\nline two", "a\n\nb\n", "trailing\n\n", " lead", "x\n  indented\ny", "tab\there", "  both  "],
  ...["abc", "a b", "a:b", "x #c", "hello world", "s3://bucket/path", "50Gi", "quay.io/enterprisedb/postgresql:13.2", "é", "日本"],
];

const KEYS = ["name", "a", "b.c", "kind", "apiVersion", "__proto__", "constructor", "x y", "yes", "1", "0x1F", "null", "~", "k-1", "日"];

type Tree = string | Tree[] | [string, Tree][];
const isPairs = (t: Tree): t is [string, Tree][] =>
  Array.isArray(t) && t.length > 0 && Array.isArray(t[0]) && t[0].length === 2 && typeof t[0][0] === "string" && t[0][0].startsWith("\u0000");

const scalar = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 12 }), fc.string({ unit: binaryUnit, maxLength: 6 }));
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })).map((k) => `\u0000${k}`),
        tie("tree"),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  ),
}));

interface Style {
  readonly quote: "plain" | "single" | "double";
  readonly block: "literal" | "folded" | "none";
  readonly flow: boolean;
  readonly indent: number;
  readonly comment: boolean;
  /** Plain scalars with spaces written over several lines, which a reader folds back. */
  readonly fold: boolean;
}
const style: fc.Arbitrary<Style> = fc.record({
  quote: fc.constantFrom("plain", "single", "double"),
  block: fc.constantFrom("literal", "folded", "none"),
  flow: fc.boolean(),
  indent: fc.integer({ min: 1, max: 4 }),
  comment: fc.boolean(),
  fold: fc.boolean(),
});

const double = (s: string) => JSON.stringify(s).replace(/\\u0000/g, "\\0");
const single = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A scalar as `style` writes it; plain only where the text could be one, which the readers may still disagree on. */
function scalarText(s: string, st: Style, indent: string): string {
  if (st.block !== "none" && s.includes("\n") && !/^\s|\s$/.test(s) && !/[^\S\n ]/.test(s))
    return `${st.block === "literal" ? "|" : ">"}${s.endsWith("\n") ? "" : "-"}\n${s
      .split("\n")
      .map((l) => (l ? `${indent}  ${l}` : ""))
      .join("\n")}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: characters only a double-quoted scalar can hold.
  if (st.quote === "double" || /[\u0000-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(s)) return double(s);
  if (st.quote === "single") return single(s);
  return st.fold && / \S/.test(s) ? s.replace(/ (?=\S)/g, `\n${indent}  `) : s;
}

const blockCollection = (t: Tree, st: Style): boolean => typeof t !== "string" && t.length > 0 && !st.flow;

/** Block collections as whole lines at their depth's indentation; scalars and flow collections inline. */
function render(t: Tree, st: Style, depth: number, inFlow = false): string {
  const indent = " ".repeat(st.indent * depth);
  if (typeof t === "string") return scalarText(t, st, indent);
  if (isPairs(t)) {
    const entries = t.map(([k, v]) => [scalarText(k.slice(1), { ...st, block: "none" }, indent), v] as const);
    if (st.flow || inFlow) return `{${entries.map(([k, v]) => `${k}: ${render(v, st, depth + 1, true)}`).join(", ")}}`;
    const comment = st.comment ? " # note" : "";
    return entries
      .map(([k, v]) =>
        blockCollection(v, st) ? `${indent}${k}:${comment}\n${render(v, st, depth + 1)}` : `${indent}${k}: ${render(v, st, depth + 1)}${comment}`,
      )
      .join("\n");
  }
  if (st.flow || inFlow || t.length === 0) return `[${t.map((v) => render(v, st, depth + 1, true)).join(", ")}]`;
  return t
    .map((v) => {
      if (!blockCollection(v, st)) return `${indent}- ${render(v, st, depth + 1)}`;
      // Compact (`- a: 1`) where the item's indentation lines up with what follows the dash.
      return st.indent === 2 ? `${indent}- ${render(v, st, depth + 1).trimStart()}` : `${indent}-\n${render(v, st, depth + 1)}`;
    })
    .join("\n");
}

/** A manifest-like document: apiVersion and kind first, then the generated tree under `data`. */
const documentText = fc.tuple(tree, style, fc.boolean()).map(([t, st, object]) => {
  if (!object) return `${render(t, st, 0)}\n`;
  const data = blockCollection(t, st) ? `\n${render(t, st, 1)}` : ` ${render(t, st, 1)}`;
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:${data}\n`;
});

const separator = fc.constantFrom("---\n", "--- \n", "--- # next\n", "---\n# comment\n", "\n---\n", "---\r\n");
const stream = fc
  .tuple(fc.constantFrom("", "# leading comment\n", "\n\n"), fc.array(fc.tuple(separator, documentText), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([lead, docs, crlf]) => {
    const text = lead + docs.map(([sep, doc], i) => (i === 0 && lead === "" ? doc : sep + doc)).join("");
    return crlf ? text.replace(/\r?\n/g, "\r\n") : text;
  });

/** The stream with some characters YAML cares about inserted, removed or replaced. */
const damaged = fc
  .tuple(
    stream,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(" ", ":", "- ", "#", "'", '"', "|", ">", "\n", "[", "]", "{", "}", ",", "  ", "\t", "\\", "?"), fc.boolean()), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [at, c, remove]) => {
      const i = at % (t.length + 1);
      return remove ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + c + t.slice(i);
    }, text),
  );

/** Field paths into `value` as findings name them (`a.b`, `[0]`, `[a key.with dots]`), at most `max` of them. */
function fieldPaths(value: unknown, max = 40): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (out.length >= max) return;
    if (path !== "") out.push(path);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (v !== null && typeof v === "object")
      for (const [k, item] of Object.entries(v)) walk(item, /^[\w-]+$/.test(k) ? (path === "" ? k : `${path}.${k}`) : `${path}[${k}]`);
  };
  walk(value, "");
  return out;
}

/** What a read says, in a form to compare: documents with their places (and the place of each field), problems. */
function outcome(text: string, yamlOnly: boolean) {
  const read = readManifests("x.yaml", text, { keepSources: yamlOnly });
  const doc = (d: ManifestDocument) => ({
    index: d.index,
    position: d.position,
    value: d.value,
    duplicateKeys: d.duplicateKeys,
    located: fieldPaths(d.value).map((field) => [field, d.locate(field)]),
  });
  const problem = (p: ReadProblem) => ({ index: p.index, position: p.position, check: p.check, message: p.message });
  return { documents: read.documents.map(doc), problems: read.problems.map(problem) };
}

const sameReading = (text: string) => {
  assert.deepStrictEqual(outcome(text, false), outcome(text, true), `the readers differ on ${JSON.stringify(text)}`);
};

test("the fast reader and the yaml package give the same documents, places and problems on generated YAML", () => {
  fc.assert(fc.property(stream, sameReading), { numRuns: RUNS, ...seed });
});

test("and on the same YAML damaged at random", () => {
  fc.assert(fc.property(damaged, sameReading), { numRuns: 2 * RUNS, ...seed });
});

test("documents the fast reader must leave to the yaml package", () => {
  for (const text of [
    "a: &x 1\nb: *x\n",
    "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n",
    "a: !!str 0777\n",
    "a: 1\na: 2\n",
    "? complex\n: key\n",
    "[a, b]: c\n",
    "~: x\n",
    "a: .inf\n",
    "kind: List\nitems:\n- {kind: ConfigMap, apiVersion: v1}\n",
    "a:\n\tb: 1\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n...\nb: 2\n",
  ])
    sameReading(text);
});
