// `make generate`, second step: generated/manifests/ from the install objects and the CRDs that the
// schema generator has just written to generated/crds/. Same input, same bytes.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFolder } from "../../schemas/write.js";
import { manifestFiles } from "./kustomize.js";

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  // Compiled to dist/webhook/install/: the repository is three levels up.
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const generated = join(root, "generated");
  const crdDir = join(generated, "crds");
  const crds = Object.fromEntries(
    readdirSync(crdDir)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => [f, readFileSync(join(crdDir, f), "utf8")]),
  );
  const files = manifestFiles(crds);
  writeFolder(join(generated, "manifests"), files);
  for (const f of Object.keys(files).sort()) console.log(`wrote ${relative(process.cwd(), join(generated, "manifests", f))}`);
}
