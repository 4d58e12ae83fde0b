// Where the manifests are: files as given, directories walked (without node_modules, .git or hidden
// folders), `-` for stdin, minus --ignore-path; and which files a kustomization uses as patches.
// Only regular files are read, and at most --max-file-size bytes of each: a FIFO waits for ever for
// a writer and /dev/zero never ends, so anything else is reported without being opened for reading.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, type Stats, statSync } from "node:fs";
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
  /** Above --max-file-size: reported as input/too-large rather than input/read. */
  readonly tooLarge?: true;
}

/** A file found in a directory that is not a regular file (a FIFO, a device, a socket): reported, never opened. */
export interface NotRegular {
  readonly file: string;
  readonly message: string;
}

/** --max-file-size's default: far above any manifest, far below what exhausts a CI runner's memory. */
export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024;

/** What a path is when it is not a regular file, in words. */
function describeNode(st: Stats): string {
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

const NOT_OPENED = "not opened: only regular files are read";
const tooLarge = (size: number | string, max: number) => `${size} bytes, above --max-file-size (${max} bytes): not read`;

/**
 * At most `max` bytes of a regular file. The path is checked with stat (which opens nothing) and then
 * opened non-blocking and checked again on the descriptor, so that a FIFO swapped in between cannot
 * block the run either.
 */
function readRegular(path: string, max: number): { text: string } | { notRegular: string } | { tooLarge: string } {
  const st = statSync(path);
  if (!st.isFile()) return { notRegular: `${describeNode(st)}; ${NOT_OPENED}` };
  if (st.size > max) return { tooLarge: tooLarge(st.size, max) };
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const again = fstatSync(fd);
    if (!again.isFile()) return { notRegular: `${describeNode(again)}; ${NOT_OPENED}` };
    // One byte more than allowed tells a file that grew since stat from one at the limit.
    let buffer = Buffer.allocUnsafe(Math.min(max, again.size) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > max) return { tooLarge: tooLarge(`more than ${max}`, max) };
        const grown = Buffer.allocUnsafe(Math.min(max + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > max) return { tooLarge: tooLarge(`more than ${max}`, max) };
    return { text: buffer.subarray(0, length).toString("utf8") };
  } finally {
    closeSync(fd);
  }
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

/**
 * The manifest files under `paths`, in a stable order; `-` is stdin (read by the caller). A file named
 * on the command line that is not a regular file is an error (pipe it to `-` instead); one found in a
 * directory is reported as skipped.
 */
export function collectSources(
  paths: readonly string[],
  ignored: (path: string) => boolean,
  stdin: string,
  maxFileSize: number = DEFAULT_MAX_FILE_SIZE,
): { sources: Source[]; unreadable: Unreadable[]; notRegular: NotRegular[] } {
  const sources: Source[] = [];
  const unreadable: Unreadable[] = [];
  const notRegular: NotRegular[] = [];
  const read = (path: string, explicit: boolean): void => {
    try {
      const got = readRegular(path, maxFileSize);
      if ("text" in got) sources.push({ name: path, text: got.text, explicit });
      else if ("tooLarge" in got) unreadable.push({ file: path, message: got.tooLarge, tooLarge: true });
      else if (explicit) unreadable.push({ file: path, message: `${got.notRegular}; pipe it instead: cnp-webhook validate - < ${path}` });
      else notRegular.push({ file: path, message: got.notRegular });
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
      // A symbolic link is not followed into a folder (no loops); one to a file is read if regular.
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
  return { sources, unreadable, notRegular };
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
        const got = readRegular(file, DEFAULT_MAX_FILE_SIZE);
        if (!("text" in got)) continue; // not a file kustomize could read either
        kustomization = parse(got.text);
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
