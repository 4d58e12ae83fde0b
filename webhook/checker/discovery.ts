// Where the manifests are: files as given, directories walked (without node_modules, .git or hidden
// folders), `-` for stdin, minus --ignore-path; and which files a kustomization uses as patches.
// Only regular files are read, and at most --max-file-size bytes of each: a FIFO waits for ever for
// a writer and /dev/zero never ends, so anything else is reported without being opened for reading.
import { isUtf8 } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, type Stats, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { parse } from "yaml";
import { isRecord } from "../formats/json.js";
import { positionAt, type SourcePosition } from "./yaml.js";

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
  /** An input check of webhook/checker/inputs.ts: not readable, above --max-file-size, or not text kubectl reads. */
  readonly check: "input/read" | "input/too-large" | "input/encoding";
  /** Where an encoding problem is; the file as a whole otherwise. */
  readonly position?: SourcePosition;
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
function readRegular(path: string, max: number): { bytes: Buffer } | { notRegular: string } | { tooLarge: string } {
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
    return { bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}

/** The first byte of `bytes` that is not well-formed UTF-8: where the decoder put a U+FFFD the file did not have. */
function firstInvalidUtf8(bytes: Buffer): { index: number; byte: number } {
  const text = bytes.toString("utf8");
  let offset = 0;
  let index = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) break;
    offset += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    index += char.length;
  }
  return { index, byte: bytes[offset] ?? 0 };
}

/**
 * Control characters YAML forbids anywhere in a stream (tab, line feed and carriage return aside);
 * go-yaml, which kubectl reads manifests with, refuses the file ("control characters are not
 * allowed", yaml.v2 readerc.go), and JSON allows none outside strings or raw inside them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const hex = (n: number, digits: number): string => n.toString(16).toUpperCase().padStart(digits, "0");

/**
 * A manifest's bytes as text, as kubectl's YAML reader (go-yaml v2) takes them: UTF-8, a byte order
 * mark dropped, or UTF-16 by its byte order mark (yaml.v2 readerc.go yaml_parser_determine_encoding).
 * Anything else is a problem naming where it is: invalid UTF-8, UTF-32, or a control character (a NUL
 * is what UTF-16 without a byte order mark looks like).
 */
function decodeManifest(bytes: Buffer): { text: string } | { problem: string; position: SourcePosition } {
  const start = { line: 1, column: 1 };
  const [b0, b1, b2, b3] = bytes;
  if ((b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) || (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00)) {
    return { problem: "UTF-32 (by its byte order mark): kubectl reads UTF-8 and UTF-16 only; convert it, e.g. iconv -f UTF-32 -t UTF-8", position: start };
  }
  let text: string;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    const encoding = b0 === 0xff ? "UTF-16LE" : "UTF-16BE";
    try {
      text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      const message = `${encoding} (by its byte order mark) with bytes that are not ${encoding}: kubectl refuses the file; convert it, e.g. iconv -f ${encoding} -t UTF-8`;
      return { problem: message, position: start };
    }
  } else if (isUtf8(bytes)) {
    text = bytes.toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  } else {
    const { index, byte } = firstInvalidUtf8(bytes);
    const message = `not UTF-8: byte 0x${hex(byte, 2)} is not valid UTF-8, and kubectl refuses the file; if it is Latin-1 or Windows-1252, convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8`;
    return { problem: message, position: positionAt(bytes.toString("utf8"), index) };
  }
  const control = FORBIDDEN_CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0);
    const nul = code === 0 ? "; NUL bytes are what UTF-16 or UTF-32 without a byte order mark looks like: convert it to UTF-8" : "";
    return {
      problem: `a control character (U+${hex(code, 4)}), which YAML forbids: kubectl refuses the file${nul}`,
      position: positionAt(text, control.index),
    };
  }
  return { text };
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
  stdin: Buffer,
  maxFileSize: number = DEFAULT_MAX_FILE_SIZE,
): { sources: Source[]; unreadable: Unreadable[]; notRegular: NotRegular[] } {
  const sources: Source[] = [];
  const unreadable: Unreadable[] = [];
  const notRegular: NotRegular[] = [];
  const add = (name: string, bytes: Buffer, explicit: boolean): void => {
    const decoded = decodeManifest(bytes);
    if ("text" in decoded) sources.push({ name, text: decoded.text, explicit });
    else unreadable.push({ file: name, message: decoded.problem, check: "input/encoding", position: decoded.position });
  };
  const cannotRead = (file: string, err: unknown): Unreadable => ({
    file,
    message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    check: "input/read",
  });
  const read = (path: string, explicit: boolean): void => {
    try {
      const got = readRegular(path, maxFileSize);
      if ("bytes" in got) add(path, got.bytes, explicit);
      else if ("tooLarge" in got) unreadable.push({ file: path, message: got.tooLarge, check: "input/too-large" });
      else if (explicit) unreadable.push({ file: path, message: `${got.notRegular}; pipe it instead: cnp-webhook validate - < ${path}`, check: "input/read" });
      else notRegular.push({ file: path, message: got.notRegular });
    } catch (err) {
      unreadable.push(cannotRead(path, err));
    }
  };
  const walk = (dir: string): void => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      unreadable.push(cannotRead(dir, err));
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
      add(STDIN_NAME, stdin, true);
      continue;
    }
    if (ignored(path)) continue;
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      unreadable.push(code === "ENOENT" ? { file: path, message: "no such file or directory", check: "input/read" } : cannotRead(path, err));
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
        const decoded = "bytes" in got ? decodeManifest(got.bytes) : undefined;
        if (!decoded || !("text" in decoded)) continue; // not a file kustomize could read either
        kustomization = parse(decoded.text);
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
