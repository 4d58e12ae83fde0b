// Writing a generated folder: same files, same bytes; files no longer generated are removed.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Replaces a generated folder's content, removing files (and folders) that are no longer generated.
 * Names may contain `/` for subfolders (manifests/base/...).
 */
export function writeFolder(dir: string, files: Record<string, string>): void {
  const keep = new Set(Object.keys(files));
  const folders = new Set(
    [...keep].flatMap((f) =>
      f
        .split("/")
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
    ),
  );
  const prune = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && folders.has(name)) prune(name);
      else if (!keep.has(name) || entry.isDirectory()) rmSync(join(dir, name), { recursive: true });
    }
  };
  mkdirSync(dir, { recursive: true });
  prune("");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}
