// cnp-webhook: serve | validate | audit | certs | manifests | migrate | rules | schedule. `main` is importable; bin.ts runs it.
import type { Registry } from "../admission/rule.js";
import { packageVersion } from "../version.js";
import { nearest, UsageError, type Command, type CommandIO } from "./command.js";

/** Commands load on demand: the X.509 library and the server cost start-up time others do not need. */
interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: (registry: Registry) => Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  { name: "serve", summary: "answer AdmissionReviews over HTTPS", load: async (r) => (await import("./serve.js")).serveCommand(r) },
  {
    name: "validate",
    summary: "check manifests (files, directories, stdin) as the webhook would",
    load: async (r) => (await import("./validate.js")).validateCommand(r),
  },
  { name: "audit", summary: "judge the cluster's existing objects as the webhook would", load: async (r) => (await import("./audit.js")).auditCommand(r) },
  { name: "certs", summary: "create or renew the webhook's CA and serving certificate", load: async () => (await import("./certs.js")).certsCommand },
  { name: "manifests", summary: "print the install manifests (for kubectl apply -f -)", load: async () => (await import("./manifests.js")).manifestsCommand },
  {
    name: "migrate",
    summary: "rewrite early-draft manifests (postgresql.k8s.2ndq.io) to the documented API",
    load: async () => (await import("./migrate.js")).migrateCommand,
  },
  { name: "rules", summary: "list the rules (ID, kind, deny/warn, why)", load: async (r) => (await import("./rules.js")).rulesCommand(r) },
  { name: "schedule", summary: "what the operator's cron parser makes of a schedule", load: async (r) => (await import("./schedule.js")).scheduleCommand(r) },
];

const USAGE = `cnp-webhook: admission webhook, CRD schemas and offline checker for Cloud Native PostgreSQL

Usage: cnp-webhook COMMAND [flags]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}
  version    print the version

Run 'cnp-webhook COMMAND --help' for a command's flags.
`;

/** Runs one command line; returns the exit code (0 ok, 1 denied, 2 usage or I/O error). */
export async function main(argv: readonly string[], io: CommandIO, registry: Registry): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "version" || command === "--version") {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === command);
  if (!entry) {
    const near = nearest(
      command,
      COMMANDS.map((c) => c.name),
    );
    io.stderr(`error: unknown command ${JSON.stringify(command)}${near ? `; did you mean "${near}"?` : ""}\nRun 'cnp-webhook --help' for usage.\n`);
    return 2;
  }
  try {
    return await (await entry.load(registry)).run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\nRun 'cnp-webhook ${command} --help' for usage.\n`);
      return 2;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
