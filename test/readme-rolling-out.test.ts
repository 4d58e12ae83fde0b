// README "Rolling out", read as a user copies it: the install command, what `kubectl apply` prints for
// the sample ScheduledBackup under warn mode, the log line and the counter, the refused --warn-only
// typo and the overlay patch. Each block of the section is run here and compared with what it shows.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import jsonpatch from "fast-json-patch";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { GROUP, type KindName } from "../schemas/kinds.js";
import { stateResolver, validCluster } from "../tools/testkit/admission.js";
import { tempDir } from "../tools/testkit/certs.js";
import { runMain } from "../tools/testkit/cli.js";
import { kustomizeUnavailable } from "../tools/testkit/kubectl.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";
import { catalog } from "../webhook/admission/catalog.js";
import { kindInfo } from "../schemas/kinds.js";
import { RULES } from "../webhook/rules/registry.js";

const README = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

/** The text of `## title` up to the next second-level heading. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a section "${title}"`);
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

const ROLLING_OUT = section("Rolling out");

/** The fenced blocks of one language, in order. */
const fenced = (text: string, lang: string): string[] => [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);

/** The console block whose first line starts with `$ prefix`: its command's words and the lines it prints, per command. */
function consoleBlock(prefix: string): { command: string[]; output: string[] }[] {
  const block = fenced(ROLLING_OUT, "console").find((b) => b.startsWith(`$ ${prefix}`));
  assert.ok(block, `a console block starting with "$ ${prefix}"`);
  const runs: { command: string[]; output: string[] }[] = [];
  for (const line of block.trimEnd().split("\n")) {
    if (line.startsWith("$ ")) runs.push({ command: line.slice(2).split(/\s+/), output: [] });
    else runs.at(-1)!.output.push(line);
  }
  return runs;
}

/** `npx cnp-webhook ...` commands of indented blocks, continuation lines joined, cut at the first pipe. */
function indentedCommands(text: string): string[][] {
  const joined = text.replace(/\\\n\s*/g, "");
  return [...joined.matchAll(/^ {4}npx cnp-webhook ([^|\n]*)/gm)].map((m) => m[1]!.trim().split(/\s+/));
}

type Obj = { kind: string; metadata: { name: string }; spec: any; [k: string]: unknown };

describe('README "Rolling out"', () => {
  let hook: TestWebhook;
  before(async () => {
    // As in the README: the Cluster `pg` exists, with a backup configuration.
    hook = await startWebhook({ enforcement: { mode: "warn", warnOnly: new Set() }, resolver: stateResolver({ clusters: [validCluster("pg")] }) });
  });
  after(() => hook.close());

  it("step 1's install command renders warn mode, with the operator's service account exempt", async () => {
    const commands = indentedCommands(ROLLING_OUT).filter((c) => c[0] === "manifests");
    assert.equal(commands.length, 1);
    const { code, stdout, stderr } = await runMain(commands[0]!);
    assert.equal(code, 0, stderr);
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    assert.deepEqual(args.slice(args.indexOf("--enforcement"), args.indexOf("--enforcement") + 2), ["--enforcement", "warn"]);
    for (const configuration of objects.filter((o) => o.kind.endsWith("WebhookConfiguration"))) {
      for (const w of configuration["webhooks"] as { matchConditions?: { expression: string }[] }[]) {
        assert.match(w.matchConditions?.[0]?.expression ?? "", /system:serviceaccount:postgresql-operator-system:postgresql-operator-manager/);
      }
    }
  });

  it("what `kubectl apply -f nightly.yaml` prints, the log line and the counter are what the webhook answers in warn mode", async () => {
    const file = fenced(ROLLING_OUT, "yaml").find((b) => b.startsWith("# nightly.yaml\n"));
    assert.ok(file, "the nightly.yaml block");
    let object = parseYaml(file) as Obj;
    const kind = object.kind as KindName;
    // The apiserver calls the mutating webhook, applies its patch, then calls the validating one;
    // kubectl prints the warnings of both.
    const warnings: string[] = [];
    const mutated = await hook.review(kind, object, { role: "mutate" });
    assert.equal(mutated.response?.allowed, true);
    warnings.push(...(mutated.response?.warnings ?? []));
    if (mutated.response?.patch) {
      const ops = JSON.parse(Buffer.from(mutated.response.patch, "base64").toString()) as jsonpatch.Operation[];
      object = jsonpatch.applyPatch(structuredClone(object), ops).newDocument;
    }
    const uid = "readme-rolling-out";
    const validated = await hook.review(kind, object, { uid });
    assert.equal(validated.response?.allowed, true);
    warnings.push(...(validated.response?.warnings ?? []));
    assert.ok(warnings.some((w) => w.startsWith("would deny: ")));

    const [apply] = consoleBlock("kubectl apply -f nightly.yaml");
    assert.deepEqual(apply!.output, [
      ...warnings.map((w) => `Warning: ${w}`),
      `${kindInfo(kind).plural.replace(/s$/, "")}.${GROUP}/${object.metadata.name} created`,
    ]);

    // The log line, but for what differs on every request.
    const shown = JSON.parse(fenced(ROLLING_OUT, "json")[0]!) as Record<string, unknown>;
    const logged = hook.logs().find((l) => l["uid"] === uid);
    assert.ok(logged, "the admission was logged");
    const stable = (l: Record<string, unknown>) => ({ ...l, time: undefined, durationMs: undefined, uid: undefined });
    assert.deepEqual(stable(shown), stable(logged));

    const counter = /`(cnp_webhook_would_deny_total\{rule="[^"]+"\} \d+)`/.exec(ROLLING_OUT);
    assert.ok(counter, "the counter's sample");
    const samples = (await hook.running.metrics.registry.metrics()).split("\n");
    assert.ok(samples.includes(counter[1]!), `${counter[1]} in:\n${samples.filter((l) => l.startsWith("cnp_webhook_would_deny_total")).join("\n")}`);
  });

  it("the refused --warn-only typo prints what the block shows, with the exit code", async () => {
    const [serve, echo] = consoleBlock("npx cnp-webhook serve --warn-only");
    assert.deepEqual(echo!.command, ["echo", "$?"]);
    const { code, stdout, stderr } = await runMain(serve!.command.slice(2));
    assert.equal(stdout, "");
    assert.deepEqual(stderr.trimEnd().split("\n"), serve!.output);
    assert.deepEqual([String(code)], echo!.output);
    // Every ID it lists is a rule of the registry.
    for (const entry of catalog(RULES)) assert.ok(stderr.includes(entry.id), entry.id);
  });

  it("the overlay patch adding --warn-only renders, and names only existing rules", { skip: kustomizeUnavailable }, () => {
    const patch = fenced(ROLLING_OUT, "yaml").find((b) => b.startsWith("patches:"));
    assert.ok(patch, "the patch block");
    const dir = tempDir("cnp-readme-overlay-");
    try {
      const manifests = path.relative(dir, path.join(REPO_ROOT, "generated", "manifests"));
      fs.writeFileSync(path.join(dir, "kustomization.yaml"), `resources: [${manifests}]\n${patch}`);
      const out = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
      assert.equal(out.status, 0, out.stderr);
      const deployment = parseAllDocuments(out.stdout)
        .map((d) => d.toJS() as Obj)
        .find((o) => o.kind === "Deployment")!;
      const args: string[] = deployment.spec.template.spec.containers[0].args;
      const flag = args.find((a) => a.startsWith("--warn-only="));
      assert.ok(flag, args.join(" "));
      const ids = new Set(catalog(RULES).map((e) => e.id));
      for (const id of flag.slice("--warn-only=".length).split(",")) assert.ok(ids.has(id), id);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
