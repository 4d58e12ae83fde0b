// Manifest files: directories walked, YAML streams split, syntax errors located by file and line.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isRecord } from "../formats/json.js";

export interface ManifestDocument {
  readonly file: string;
  /** Position of the document in its file, from 0. */
  readonly index: number;
  readonly value: Record<string, unknown>;
}

/** A problem with the input itself (unreadable file, YAML syntax): `validate` exits 2. */
export class InputError extends Error {}

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** The manifest files under `paths`: files as given, directories recursively, in a stable order. */
export function collectFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (path: string, explicit: boolean): void => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch (err) {
      throw new InputError(`${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`);
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) if (!entry.startsWith(".")) walk(join(path, entry), false);
    } else if (explicit || MANIFEST_EXTENSIONS.has(extname(path).toLowerCase())) {
      files.push(path);
    }
  };
  for (const p of paths) walk(p, true);
  return files;
}

/** Every document of a file; a `kind: List` contributes its items. Empty documents are skipped. */
export function readDocuments(file: string): ManifestDocument[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const parsed = Array.isArray(docs) ? docs : [docs];
  const out: ManifestDocument[] = [];
  parsed.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
      const message = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw new InputError(`${where}: YAML syntax error: ${message}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (!isRecord(value)) throw new InputError(`${file}: document ${index} is not a mapping (a Kubernetes object)`);
    if (value.kind === "List" && Array.isArray(value.items)) {
      for (const item of value.items) if (isRecord(item)) out.push({ file, index, value: item });
    } else {
      out.push({ file, index, value });
    }
  });
  return out;
}
