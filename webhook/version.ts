// The package's version, as `cnp-webhook version` and SARIF's tool.driver report it.
import { readFileSync } from "node:fs";

/** From package.json, two folders above the compiled file (dist/webhook/version.js). */
export const packageVersion = (): string => (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
