// What a command shows a person at a terminal and never writes into a file or a CI log: colour on
// stdout (--color auto|always|never; auto: a terminal, and NO_COLOR unset, as no-color.org asks) and a
// progress line on stderr during long runs (a terminal, outside CI).
import { UsageError, type CommandIO } from "./command.js";

export const COLOR_OPTION = { color: { type: "string" } } as const;
export const COLOR_HELP = "      --color WHEN        colour the text report: auto (a terminal, and NO_COLOR unset), always, never";

const envOf = (io: CommandIO): NodeJS.ProcessEnv => io.env ?? {};

/** Whether to colour what goes to stdout. */
export function colorWanted(flag: string | undefined, io: CommandIO): boolean {
  const when = flag ?? "auto";
  if (when === "always") return true;
  if (when === "never") return false;
  if (when !== "auto") throw new UsageError(`--color must be auto, always or never, not ${JSON.stringify(flag)}`);
  const env = envOf(io);
  return io.terminal?.stdout === true && !env.NO_COLOR && env.TERM !== "dumb";
}

/** Progress is shown only after this long: a quick run prints nothing but its report. */
const SHOW_AFTER_MS = 1000;
const EVERY_MS = 100;

export interface Progress {
  /** `done` items of `total` (when known). */
  update(done: number, total?: number): void;
  /** Clears the line, before the report is printed. */
  end(): void;
}

/** A progress line on stderr, `label 120/3000`, rewritten in place; undefined where it must not appear. */
export function progress(io: CommandIO, label: string, now: () => number = Date.now): Progress | undefined {
  if (io.terminal?.stderr !== true || envOf(io).CI) return undefined;
  const started = now();
  let shownAt = 0;
  let shown = false;
  return {
    update(done, total) {
      const t = now();
      if (t - started < SHOW_AFTER_MS || t - shownAt < EVERY_MS) return;
      shownAt = t;
      shown = true;
      io.stderr(`\r\u001b[K${label} ${done}${total === undefined ? "" : `/${total}`}`);
    },
    end() {
      if (shown) io.stderr("\r\u001b[K");
      shown = false;
    },
  };
}
