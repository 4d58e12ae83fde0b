const t0 = performance.now();
const mods = ["yaml", "js-yaml", "fast-json-patch", "picomatch", "pino", "junit-report-builder", "node-sarif-builder", "fastest-levenshtein", "./dist/generated/validators/index.js", "./dist/webhook/rules/registry.js", "./dist/webhook/checker/output/index.js", "./dist/webhook/checker/run.js", "./dist/webhook/cli/validate.js"];
let last = t0;
for (const m of mods) { await import(m); const now = performance.now(); console.log((now - last).toFixed(1).padStart(7), "ms", m); last = now; }
console.log("total", (performance.now()-t0).toFixed(0));
