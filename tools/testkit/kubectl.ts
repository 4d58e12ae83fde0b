// kubectl's built-in kustomize, for the tests that render the install bundle. Older kustomize releases
// cannot render it (kubectl 1.20's v2 lacks `patches` with targets; namespace-sync's replacements,
// with wildcards and `[key=value]` in their field paths, were reworked in v5): those tests skip, saying why.
import { spawnSync } from "node:child_process";

/** The oldest kustomize that renders the bundle, and the kubectl release that embeds it (README, Install). */
const MIN_KUSTOMIZE = [5, 0, 1] as const;
const MIN_KUBECTL = "1.27";

const newer = (v: readonly number[], min: readonly number[]): boolean => {
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
};

function probe(): string | false {
  const out = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (out.error) return `kubectl not found (${out.error.message}); kustomize rendering not checked`;
  const m = /Kustomize Version: v(\d+)\.(\d+)\.(\d+)/.exec(out.stdout);
  if (!m) return `kubectl does not report a kustomize version (needs kubectl ${MIN_KUBECTL} or later); kustomize rendering not checked`;
  const version = m.slice(1).map(Number);
  if (!newer(version, MIN_KUSTOMIZE)) {
    return `kubectl's kustomize v${version.join(".")} is older than v${MIN_KUSTOMIZE.join(".")} (kubectl ${MIN_KUBECTL}); kustomize rendering not checked`;
  }
  return false;
}

/** false when kubectl's kustomize can render the bundle; otherwise why the test is skipped. */
export const kustomizeUnavailable: string | false = probe();
if (kustomizeUnavailable) process.stdout.write(`# skip: ${kustomizeUnavailable}\n`);
