import { summarizeProfile, formatSummary, newestProfile } from "./dist/tools/bench/profile.js";
const f = newestProfile(process.argv[2]);
console.log(formatSummary(summarizeProfile(f, 40, ["yaml","ajv","cnp-webhook","node (built-in)"])));
