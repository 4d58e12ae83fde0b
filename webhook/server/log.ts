// JSON log lines (pino). Secret values never reach a logger: resolvers keep key names only.
import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

export function createLogger(level: LevelWithSilent = "info", destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { component: "cnp-webhook" }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination ? (destination as never) : pino.destination({ fd: 1, sync: false }),
  );
}
