// Dependency rules (README, Layout): one-way dependencies, no cycles between files or folders.
// `make lint` runs: depcruise --config .dependency-cruiser.cjs schemas webhook certs tools
const production = "^(schemas|webhook|certs)/";
const notTests = "\\.test\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "Files import each other in a cycle.", from: {}, to: { circular: true } },
    {
      name: "no-folder-circular",
      severity: "error",
      comment: "Folders depend on each other in a cycle: one of them is in the wrong place.",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
    {
      name: "schemas-stand-alone",
      severity: "error",
      comment: "schemas/ and its generator build from schemas/ alone (make generate with generated/ deleted).",
      from: { path: "^schemas/", pathNot: notTests },
      to: { path: "^(webhook|generated|certs|tools|test)/" },
    },
    {
      name: "certs-stand-alone",
      severity: "error",
      comment: "The certificate tooling knows nothing of the webhook.",
      from: { path: "^certs/", pathNot: notTests },
      to: { path: "^(webhook|tools|test)/" },
    },
    {
      name: "production-not-to-tests",
      severity: "error",
      comment: "Shipped code never imports test support or tools.",
      from: { path: production, pathNot: notTests },
      to: { path: "^(tools|test)/" },
    },
    {
      name: "admission-knows-no-rule",
      severity: "error",
      comment: "The admission core is handed the rule registry (composition root); it imports no rule.",
      from: { path: "^webhook/admission/", pathNot: notTests },
      to: { path: "^webhook/(rules|server|checker|cli|install)/" },
    },
    {
      name: "references-below-rules",
      severity: "error",
      comment: "Resolvers answer lookups; they know nothing of admission, rules or the server.",
      from: { path: "^webhook/references/", pathNot: notTests },
      to: { path: "^webhook/(admission|rules|server|checker|cli|install)/" },
    },
    {
      name: "leaf-modules",
      severity: "error",
      comment: "formats/ and cron/ are leaves that rules and resolvers share.",
      from: { path: "^webhook/(formats|cron)/", pathNot: notTests },
      to: { path: "^webhook/(?!formats/|cron/)" },
    },
    {
      name: "postgres-leaf",
      severity: "error",
      comment: "postgres/ (what PostgreSQL itself refuses) is a leaf of pure functions: it may use formats/, nothing else of webhook/.",
      from: { path: "^webhook/postgres/", pathNot: notTests },
      to: { path: "^webhook/(?!formats/|postgres/)" },
    },
    {
      name: "rules-are-pure",
      severity: "error",
      comment: "Rules are pure functions over typed objects: no HTTP, files or API client.",
      from: { path: "^webhook/rules/", pathNot: notTests },
      to: { path: "^webhook/(server|checker|cli|install)/|^node_modules/(express|@kubernetes)" },
    },
    {
      name: "one-judge",
      severity: "error",
      comment: "An object is judged only through admission/judge.ts: no face assembles the pipeline itself.",
      from: { path: "^(webhook|tools)/", pathNot: ["^webhook/admission/judge\\.ts$", notTests] },
      to: { path: "^webhook/admission/validation\\.ts$" },
    },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Tests may use anything (test support included); the rules are about the code that ships.
    exclude: { path: ["^(dist|node_modules|test)/", "\\.test\\.ts$"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
