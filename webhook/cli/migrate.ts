// `cnp-webhook migrate FILE|DIR|-`: early-draft manifests rewritten to the documented API.
import { writeFileSync } from "node:fs";
import { API_VERSION, DRAFT_API_VERSION } from "../../schemas/kinds.js";
import { migrateText } from "../migrate/draft.js";
import { collectSources, DEFAULT_MAX_FILE_SIZE, STDIN_ARG, STDIN_NAME } from "../checker/discovery.js";
import { UsageError, defineCommand, type Command } from "./command.js";

const HELP = `cnp-webhook migrate: rewrite manifests written for the early draft of the API

Usage: cnp-webhook migrate [--in-place] FILE|DIR|-...

The early draft (${DRAFT_API_VERSION}) differs from ${API_VERSION} in three ways,
and this rewrites each: the API group; the object store settings, flat under spec.backup, move to
spec.backup.barmanObjectStore; wal/data encryption SHA256 (a hash, which barman-cloud refuses)
becomes AES256, with a comment saying so. Comments, key order and every other document are kept.

Without --in-place the result goes to standard output (every file, changed or not, as one stream);
a summary of what changed goes to standard error. With --in-place changed files are rewritten.

Exit codes: 0 done (also when nothing needed a change), 2 usage error or unreadable input.
`;

export const migrateCommand: Command = defineCommand({
  name: "migrate",
  summary: "rewrite early-draft manifests to the documented API",
  help: HELP,
  positionals: true,
  options: { "in-place": { type: "boolean", short: "i" } },
  async run(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError("migrate needs at least one file or directory, or - for standard input");
    const inPlace = values["in-place"] ?? false;
    if (inPlace && positionals.includes(STDIN_ARG)) throw new UsageError("--in-place cannot rewrite standard input");
    const stdin = positionals.includes(STDIN_ARG) ? await (io.readStdin?.(DEFAULT_MAX_FILE_SIZE) ?? Promise.resolve(Buffer.alloc(0))) : Buffer.alloc(0);
    if (stdin === null) {
      io.stderr(`error: ${STDIN_NAME}: more than ${DEFAULT_MAX_FILE_SIZE} bytes: not read\n`);
      return 2;
    }
    const { sources, unreadable, notRegular } = collectSources(positionals, () => false, stdin);
    let failed = unreadable.length > 0;
    for (const u of unreadable) io.stderr(`error: ${u.file}${u.position ? `:${u.position.line}:${u.position.column}` : ""}: ${u.message}\n`);
    for (const n of notRegular) io.stderr(`skipped: ${n.file}: ${n.message}\n`);
    const out: string[] = [];
    let count = 0;
    for (const source of sources) {
      let result: ReturnType<typeof migrateText>;
      try {
        result = migrateText(source.text);
      } catch (err) {
        io.stderr(`error: ${source.name}: YAML syntax error: ${(err as Error).message}\n`);
        failed = true;
        continue;
      }
      for (const m of result.migrated) io.stderr(`${source.name}#${m.index} ${m.kind}/${m.name}: ${m.changes.join("; ")}\n`);
      count += result.migrated.length;
      if (inPlace && result.migrated.length > 0 && source.name !== STDIN_NAME) writeFileSync(source.name, result.text);
      else if (!inPlace) out.push(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
    }
    if (!inPlace) io.stdout(out.join("---\n"));
    io.stderr(`${count} document${count === 1 ? "" : "s"} migrated${inPlace ? " in place" : ""}\n`);
    return failed ? 2 : 0;
  },
});
