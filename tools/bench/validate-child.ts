// `cnp-webhook validate` as bin.js runs it, reporting what it cost on file descriptor 3 when it exits:
// {"maxRssKiB", "cpuUs"} from the process itself, which the parent cannot read once it has gone.
// Usage: node validate-child.js ARGS... (the output goes to stdout and stderr as usual).
import fs from "node:fs";
import { main } from "../../webhook/cli/main.js";
import { RULES } from "../../webhook/rules/registry.js";

process.on("exit", () => {
  const usage = process.resourceUsage();
  fs.writeSync(3, JSON.stringify({ maxRssKiB: usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime }));
});
process.exitCode = await main(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }, RULES);
