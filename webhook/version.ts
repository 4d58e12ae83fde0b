// The package's version and home page, as `cnp-webhook version` and SARIF's tool.driver report them.
import { readFileSync } from "node:fs";

/** package.json, two folders above the compiled file (dist/webhook/version.js). */
const manifest = (): { version: string; homepage: string } =>
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string; homepage: string };

export const packageVersion = (): string => manifest().version;

/** Where users read about the tool (the README): SARIF's `informationUri`. */
export const packageHomepage = (): string => manifest().homepage;
