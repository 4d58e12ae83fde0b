// Where the manifests are: files as given, directories walked (without node_modules, .git or hidden
// folders), `-` for stdin, minus --ignore-path; and which files a kustomization uses as patches.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { parse } from "yaml";
import { isRecord } from "../formats/json.js";

/** What `-` stands for on the command line, and how reports name it (as kubectl does). */
export const STDIN_ARG = "-";
export const STDIN_NAME = "STDIN";

export interface Source {
  /** The path as given or found, or STDIN. */
  readonly name: string;
  readonly text: string;
  /** Named on the command line (or stdin), rather than found by walking a directory. */
  readonly explicit: boolean;
}

/** A path that could not be read: reported as an error of its own, the others still checked. */
export interface Unreadable {
  readonly file: string;
  readonly message: string;
}

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);
/** Folders that never hold a project's manifests, only its dependencies. */
const SKIPPED_FOLDERS = new Set(["node_modules"]);

/** --ignore-path: globs over paths as given or found (`**` crosses folders; a bare name matches anywhere). */
export function ignoreMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = picomatch([...globs], { dot: true, basename: true });
  return (path) => match(path.replace(/^\.\//, ""));
}

/** The manifest files under `paths`, in a stable order; `-` is stdin (read by the caller). */
export function collectSources(paths: readonly string[], ignored: (path: string) => boolean, stdin: string): { sources: Source[]; unreadable: Unreadable[] } {
  const sources: Source[] = [];
  const unreadable: Unreadable[] = [];
  const read = (path: string, explicit: boolean): void => {
    try {
      sources.push({ name: path, text: readFileSync(path, "utf8"), explicit });
    } catch (err) {
      unreadable.push({ file: path, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
  };
  const walk = (dir: string): void => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      unreadable.push({ file: dir, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith(".") || ignored(path)) continue;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(path);
      } else if (MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) read(path, false);
    }
  };
  for (const path of paths) {
    if (path === STDIN_ARG) {
      sources.push({ name: STDIN_NAME, text: stdin, explicit: true });
      continue;
    }
    if (ignored(path)) continue;
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      unreadable.push({ file: path, message: code === "ENOENT" ? "no such file or directory" : `cannot read: ${code ?? (err as Error).message}` });
      continue;
    }
    if (isDirectory) walk(path);
    else read(path, true);
  }
  return { sources, unreadable };
}

/** A file found while walking that names neither apiVersion nor kind is not a manifest (package.json, tsconfig.json). */
export const mentionsKubernetes = (text: string): boolean => /\bapiVersion\b/.test(text) && /\bkind\b/.test(text);

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/**
 * The files that a kustomization in the same folder applies as patches (`patches`,
 * `patchesStrategicMerge`, `patchesJson6902`), by absolute path, with the kustomization's path.
 */
export function kustomizePatches(files: readonly string[]): Map<string, string> {
  const patches = new Map<string, string>();
  for (const dir of new Set(files.map((f) => dirname(resolve(f))))) {
    for (const name of KUSTOMIZATION_FILES) {
      const file = join(dir, name);
      let kustomization: unknown;
      try {
        kustomization = parse(readFileSync(file, "utf8"));
      } catch {
        continue; // absent, or not YAML: kustomize would say so itself
      }
      if (!isRecord(kustomization)) continue;
      const entries = [kustomization.patches, kustomization.patchesStrategicMerge, kustomization.patchesJson6902].flatMap((l) => (Array.isArray(l) ? l : []));
      for (const entry of entries) {
        const path = typeof entry === "string" ? entry : isRecord(entry) && typeof entry.path === "string" ? entry.path : undefined;
        // An inline patch (a YAML string with a newline) names no file.
        if (path && !path.includes("\n")) patches.set(resolve(dir, path), relative(process.cwd(), file));
      }
    }
  }
  return patches;
}
