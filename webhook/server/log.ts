// JSON log lines (pino). Secret values never reach a logger: resolvers keep key names only.
import { pino, type Logger, type LevelWithSilent } from "pino";
import { NAME } from "../deployment.js";

/**
 * stdout is written in batches of up to 4 KiB, flushed at least every 250 ms and at exit: one
 * write(2) per admission line cost more than the admission itself under load.
 */
function stdout(): pino.DestinationStream {
  const destination = pino.destination({ fd: 1, sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 250).unref();
  process.once("exit", () => destination.flushSync());
  return destination;
}

export function createLogger(level: LevelWithSilent = "info", destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { component: NAME }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination ?? stdout(),
  );
}
