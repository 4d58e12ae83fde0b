#!/usr/bin/env node
// cnp-webhook: serve | validate | certs | manifests.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { readFileSync } from "node:fs";
import { startServer } from "./server/serve.js";
import { createLogger } from "./server/log.js";
import { runValidate, type CommandIO } from "./validate/command.js";
import { resolverFor } from "./references/live.js";

export const DEFAULT_IMAGE = "quay.io/enterprisedb/postgresql:13";
const DEFAULT_LOOKUP_TIMEOUT = "2s";

const USAGE = `cnp-webhook: admission webhook, CRD schemas and offline checker for Cloud Native PostgreSQL

Usage:
  cnp-webhook serve     [--port 9443] [--host 0.0.0.0] [--tls-cert F --tls-key F] [--metrics-port 8080]
                        [--kubeconfig F] [--lookup-timeout 2s] [--strict-references] [--default-image IMG]
  cnp-webhook validate  [--output text|json] [--strict-references] [--kubeconfig F] [--namespace NS] PATH...
  cnp-webhook certs     [--service S] [--namespace N] [--out DIR]
  cnp-webhook manifests [--ca-bundle FILE] [--cert-manager] [--namespace N] [--image IMG]

Run 'cnp-webhook COMMAND --help' for a command's flags.
`;

const SERVE_HELP = `cnp-webhook serve: answer AdmissionReview v1 over HTTPS (TLS >= 1.2)

Paths: /mutate-postgresql-k8s-enterprisedb-io-v1alpha1-{cluster,backup,scheduledbackup},
       /validate-postgresql-k8s-enterprisedb-io-v1alpha1-{cluster,backup,scheduledbackup},
       /healthz, /readyz; Prometheus /metrics on --metrics-port (plain HTTP).

Flags:
  --port N               HTTPS port (default 9443)
  --host ADDR            listen address (default 0.0.0.0)
  --tls-cert F           serving certificate, PEM (default /etc/cnp-webhook/tls/tls.crt); reloaded when it changes
  --tls-key F            its private key, PEM (default /etc/cnp-webhook/tls/tls.key)
  --metrics-port N       metrics port, 0 disables (default 8080)
  --kubeconfig F         cluster access for reference checks; in a Pod the service account is used;
                         with neither, references are reported as not verified
  --lookup-timeout D     bound on all lookups of one admission (default 2s)
  --strict-references    deny instead of warn when a reference is absent or cannot be verified
  --default-image IMG    imageName default for Clusters (default ${DEFAULT_IMAGE})
  --log-level L          trace|debug|info|warn|error|silent (default info)
`;

const VALIDATE_HELP = `cnp-webhook validate: run the webhook's defaulting and validation over manifest files

Arguments are files or directories (searched recursively for .yaml, .yml, .json). Secrets, Clusters and
Backups in the files are the cluster state for reference checks; objects missing from them are
reported as not verified, unless --kubeconfig adds a live cluster as a second source.

Flags:
  --output text|json     kubectl-like text (default) or one JSON array of results
  --strict-references    deny instead of warn when a reference is absent or cannot be verified
  --kubeconfig F         also look references up in this cluster
  --namespace NS         namespace of objects without one (default "default")
  --lookup-timeout D     bound on the lookups of one object (default 2s)
  --default-image IMG    imageName default (default ${DEFAULT_IMAGE})

Exit codes: 0 every object admitted (warnings allowed), 1 at least one denied, 2 usage or input error.
`;

/** Go-style durations as flags take them: 2s, 500ms, 1m; a bare number is seconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid duration ${JSON.stringify(text)} (e.g. 2s, 500ms)`);
  const n = Number(m[1]);
  const ms = m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
  if (!(ms > 0)) throw new UsageError(`duration must be positive: ${JSON.stringify(text)}`);
  return ms;
}

class UsageError extends Error {}

function parse<T extends ParseArgsConfig["options"]>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const port = (text: string | undefined, fallback: number, flag: string): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number, not ${JSON.stringify(text)}`);
  return n;
};

async function serve(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, {
    port: { type: "string" },
    host: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "metrics-port": { type: "string" },
    kubeconfig: { type: "string" },
    "lookup-timeout": { type: "string" },
    "strict-references": { type: "boolean" },
    "default-image": { type: "string" },
    "log-level": { type: "string" },
  });
  if (values.help) return io.stdout(SERVE_HELP), 0;
  const logger = createLogger((values["log-level"] as never) ?? "info");
  const resolver = await resolverFor(values.kubeconfig, logger);
  const running = await startServer(
    {
      host: values.host ?? "0.0.0.0",
      port: port(values.port, 9443, "--port"),
      tlsCert: values["tls-cert"] ?? "/etc/cnp-webhook/tls/tls.crt",
      tlsKey: values["tls-key"] ?? "/etc/cnp-webhook/tls/tls.key",
      metricsPort: port(values["metrics-port"], 8080, "--metrics-port"),
      defaultImage: values["default-image"] ?? DEFAULT_IMAGE,
      strictReferences: values["strict-references"] ?? false,
      lookupTimeoutMs: parseDurationMs(values["lookup-timeout"] ?? DEFAULT_LOOKUP_TIMEOUT),
    },
    { logger, resolver },
  );
  // SIGTERM (SPEC §8): stop accepting, finish in-flight requests, exit 0 within 10 s. In-flight work is
  // bounded by --lookup-timeout; stragglers are cut off at 8 s. A second signal exits at once.
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting now");
        logger.flush();
        process.exit(1);
      }
      stopping = true;
      const started = Date.now();
      logger.info({ signal }, "shutting down: finishing in-flight requests");
      running.close(8000).then(() => {
        resolver.close?.();
        logger.info({ durationMs: Date.now() - started }, "stopped");
        logger.flush();
        // Exit even if a library left a handle open; the timer itself does not keep the process alive.
        setTimeout(() => process.exit(0), 1000).unref();
        resolve(0);
      });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}

async function validate(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      output: { type: "string", short: "o" },
      "strict-references": { type: "boolean" },
      kubeconfig: { type: "string" },
      namespace: { type: "string", short: "n" },
      "lookup-timeout": { type: "string" },
      "default-image": { type: "string" },
    },
    true,
  );
  if (values.help) return io.stdout(VALIDATE_HELP), 0;
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, not ${JSON.stringify(output)}`);
  if (positionals.length === 0) throw new UsageError("validate needs at least one file or directory");
  const cluster = values.kubeconfig
    ? await resolverFor(values.kubeconfig, createLogger("silent"))
    : undefined;
  try {
    return await runValidate(
      {
        paths: positionals,
        output,
        strictReferences: values["strict-references"] ?? false,
        defaultImage: values["default-image"] ?? DEFAULT_IMAGE,
        lookupTimeoutMs: parseDurationMs(values["lookup-timeout"] ?? DEFAULT_LOOKUP_TIMEOUT),
        namespace: values.namespace ?? "default",
        cluster,
      },
      io,
    );
  } finally {
    cluster?.close?.();
  }
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "serve":
        return await serve(args, io);
      case "validate":
        return await validate(args, io);
      case "certs":
        // Loaded on demand: the X.509 library costs start-up time that `serve` does not need.
        return await import("../certs/command.js").then((m) => m.runCertsCommand(args, io));
      case "manifests":
        return await import("./install/command.js").then((m) => m.runManifestsCommand(args, io));
      case "version":
      case "--version":
        io.stdout(`${(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version}\n`);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\nRun 'cnp-webhook ${command && !command.startsWith("-") ? `${command} ` : ""}--help' for usage.\n`);
      return 2;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

const io: CommandIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
