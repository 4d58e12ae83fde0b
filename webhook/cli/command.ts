// The one shape of every `cnp-webhook` command: a name, a summary, its help, its flags (node's
// parseArgs), and a run function that returns the exit code. Usage errors exit 2 everywhere.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { closest, distance } from "fastest-levenshtein";

export interface CommandIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** All of standard input (for the path `-`), or null when it is longer than `maxBytes`; commands that read none never call it. */
  readStdin?(maxBytes: number): Promise<Buffer | null>;
  /** Which of stdout and stderr are terminals (colour, progress: webhook/cli/terminal.ts); neither when absent. */
  readonly terminal?: { readonly stdout: boolean; readonly stderr: boolean };
  /** The environment (NO_COLOR, CI, TERM); empty when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Parses `args` and runs; usage errors are thrown as UsageError. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** The nearest of `candidates` to a misspelt word (`valdate` → `validate`, `--ouptut` → `--output`), if one is close. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, candidates as string[]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * node's parseArgs errors said as a mistyped command is ("unknown flag --ouptut; did you mean
 * --output?"), instead of its own text, which suggests a positional argument and ends in an unbalanced quote.
 */
function flagMistake(err: NodeJS.ErrnoException, names: readonly string[]): string {
  const flags = names.map((n) => `--${n}`);
  const unknown = /^Unknown option '([^']*)'/.exec(err.message)?.[1];
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown !== undefined) {
    const near = unknown.startsWith("--") ? nearest(unknown.split("=")[0] ?? unknown, flags) : undefined;
    return `unknown flag ${unknown}${near ? `; did you mean ${near}?` : ""}`;
  }
  const flag = /(--[\w-]+)/.exec(err.message)?.[1];
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    return /does not take an argument/.test(err.message) ? `flag ${flag} takes no value` : `flag ${flag} needs a value`;
  }
  return err.message;
}

export interface CommandSpec<O extends Options> {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: O;
  /** Whether the command takes operands (files, paths). */
  readonly positionals?: boolean;
  readonly run: (values: Parsed<O>["values"], positionals: string[], io: CommandIO) => Promise<number>;
}

export function defineCommand<O extends Options>(spec: CommandSpec<O>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    async run(args, io) {
      const options: Options = { ...spec.options, help: { type: "boolean", short: "h" } };
      let parsed: ReturnType<typeof parseArgs<{ options: Options; allowPositionals: true; strict: true }>>;
      try {
        parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
      } catch (err) {
        throw new UsageError(flagMistake(err as NodeJS.ErrnoException, Object.keys(options)));
      }
      if (parsed.values["help"] === true) {
        io.stdout(spec.help);
        return 0;
      }
      if (!spec.positionals && parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
      return spec.run(parsed.values as Parsed<O>["values"], parsed.positionals, io);
    },
  };
}

/** Go-style durations as flags take them: 2s, 500ms, 1m; a bare number is seconds. */
export function parseDurationMs(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: invalid duration ${JSON.stringify(text)} (e.g. 2s, 500ms)`);
  const n = Number(m[1]);
  const ms = m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
  if (!(ms > 0)) throw new UsageError(`${flag}: duration must be positive: ${JSON.stringify(text)}`);
  return ms;
}

export function parsePort(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag} must be a port number, not ${JSON.stringify(text)}`);
  return n;
}

/** Service and namespace names become DNS labels (SANs, Service names). */
export function dnsLabel(value: string, flag: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a valid DNS label (lowercase letters, digits, '-', at most 63)`);
  }
  return value;
}
