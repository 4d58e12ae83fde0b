// The fuzzing oracle: what counts as a well-formed answer, checked for one case either directly
// through the admission handler (bytes in, bytes out, no HTTP) or over HTTPS against a running server.
import https from "node:https";
import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { handle } from "../../webhook/admission/handler.js";
import { BadReview, decodeReview, type AdmissionRequest } from "../../webhook/admission/review.js";
import type { AdmissionOptions } from "../../webhook/admission/options.js";
import { DEFAULT_POSTGRES_IMAGE } from "../../webhook/deployment.js";
import { route } from "../../webhook/routes.js";
import type { ReferenceKind, ReferenceObjects } from "../../webhook/references/reference-kinds.js";
import { absent, present, unknown, type Lookup, type ReferenceResolver } from "../../webhook/references/resolver.js";
import { RULES } from "../../webhook/rules/registry.js";
import { MAX_BODY_BYTES } from "../../webhook/server/app.js";
import { isDecodableReview, reviewCase, type MutationOptions, type ReviewCase, type World, type WorldLookup } from "./arbitraries.js";

/**
 * What one request may cost, in CPU time of the process that judges it (README "HTTP API"): CPU time,
 * because a loaded machine stretches the wall clock but not the work. The fuzzing server runs in the
 * fuzzing process (tools/fuzz/server.ts), so over HTTPS the client's side is counted too.
 */
export const ANSWER_BOUND_MS = 2000;
/** Never a hang: every request is answered within the apiserver's longest webhook timeout. */
export const HANG_BOUND_MS = 10_000;

/** CPU milliseconds (user + system) this process spent since `since` (a process.cpuUsage()). */
const cpuMsSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

export type FailureClass =
  /** a rule threw: the answer would be an InternalError (code 500) */
  | "rule-threw"
  /** the pipeline itself threw outside any rule: the server would answer HTTP 500 */
  | "pipeline-threw"
  | "http-5xx"
  | "timeout"
  /** the answer is not a well-formed AdmissionReview for this request */
  | "malformed"
  /** decodeReview disagrees with README "HTTP API" about what is an AdmissionReview */
  | "decode-mismatch"
  | "transport";

export interface Failure {
  readonly class: FailureClass;
  /** Groups failures with the same cause: class + rule + first line of the error. */
  readonly signature: string;
  readonly message: string;
  readonly stack?: string;
  readonly kind: string;
  readonly role: string;
  readonly body: string;
  readonly contentType?: string;
}

/** Findings that are not robustness failures but still worth reporting (e.g. protocol details). */
export interface Observation {
  readonly signature: string;
  readonly example: string;
}

const firstLine = (s: string): string => s.split("\n")[0]!.slice(0, 200);

/** The frame that threw, outside Node's internals and this test code: `fn (file:line)`. */
function topFrame(stack: string | undefined): string {
  const frames = (stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  // The project's own frame (webhook/, schemas/, generated/) rather than a builtin like Array.join.
  const own =
    frames.find((l) => /\/(webhook|schemas|generated|node_modules)\//.test(l) && !l.includes("/test/")) ??
    frames.find((l) => !l.includes("node:internal") && !l.includes("/test/fuzz/")) ??
    frames[0] ??
    "";
  return own
    .trim()
    .replace(/^at /, "")
    .replace(/file:\/\/|\/work\/main\//g, "")
    .replace(/:\d+\)$/, ")");
}

/** Failures with the same cause share a signature: class, rule, first line of the error, throwing frame. */
const signatureOf = (cls: FailureClass, message: string, stack?: string, rule = ""): string =>
  `${cls}${rule ? ` ${rule}` : ""}: ${firstLine(message)}${stack ? ` at ${topFrame(stack)}` : ""}`;
const errorText = (e: unknown): { message: string; stack?: string } =>
  e instanceof Error ? { message: `${e.name}: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) } : { message: String(e) };

// ---- a resolver answering from the generated world ----------------------------------------------

function answer<T>(l: WorldLookup<T>): Promise<Lookup<T>> {
  switch (l.state) {
    case "present":
      return Promise.resolve(present(structuredClone(l.object)));
    case "absent":
      return Promise.resolve(absent);
    case "unknown":
      return Promise.resolve(unknown(l.why));
    case "throw":
      return Promise.reject(new Error("fuzz resolver failure"));
    case "hang":
      return new Promise<never>(() => {}); // only the admission's lookup deadline ends this
  }
}

/** Answers from whatever `world()` returns at the time of the lookup. */
export function worldResolver(world: () => World): ReferenceResolver {
  const find: { [K in ReferenceKind]: (name: string) => Promise<Lookup<ReferenceObjects[K]>> } = {
    Secret: (name) => answer(world().secret).then((l) => (l.state === "present" ? present({ ...l.object, name }) : l)),
    // Arbitrary JSON where the API would serve the kind: rules must cope with whatever they get.
    Cluster: () => answer(world().cluster) as Promise<Lookup<never>>,
    Backup: () => answer(world().backup) as Promise<Lookup<never>>,
  };
  return {
    source: "the fuzz world",
    lookup: (kind, _ns, name) => find[kind](name),
    // The world's Cluster, whatever it is, as another object with the key: rules must cope with it too.
    lookupIndex: async () => {
      const found = await answer(world().cluster);
      return found.state === "absent"
        ? present([])
        : found.state === "unknown"
          ? found
          : present([{ kind: "Cluster", namespace: "other", name: "other", object: found.object as never }]);
    },
    close: () => {},
  };
}

export const admissionOptions = (resolver: ReferenceResolver, lookupTimeoutMs: number, strictReferences = false): AdmissionOptions => ({
  defaultImage: DEFAULT_POSTGRES_IMAGE,
  strictReferences,
  lookupTimeoutMs,
  resolver,
});

// ---- the answer ---------------------------------------------------------------------------------

interface ReviewAnswer {
  apiVersion?: unknown;
  kind?: unknown;
  response?: {
    uid?: unknown;
    allowed?: unknown;
    status?: { code?: unknown; reason?: unknown; message?: unknown };
    warnings?: unknown;
    patch?: unknown;
    patchType?: unknown;
  };
}

/**
 * Problems with an AdmissionReview answer to a request with `uid` on `role`'s path; `object` is the
 * request's object (the patch must apply to it). Returns [class, message] pairs.
 */
function answerProblems(answerValue: unknown, uid: string, role: string, object: unknown, observations?: Observation[]): [FailureClass, string][] {
  const problems: [FailureClass, string][] = [];
  const a = answerValue as ReviewAnswer;
  if (a?.apiVersion !== "admission.k8s.io/v1" || a.kind !== "AdmissionReview")
    problems.push(["malformed", "answer is not an admission.k8s.io/v1 AdmissionReview"]);
  const r = a?.response;
  if (!r || typeof r !== "object") return [...problems, ["malformed", "answer has no response"]];
  if (r.uid !== uid) problems.push(["malformed", `response.uid ${JSON.stringify(r.uid)} does not echo request.uid`]);
  if (typeof r.allowed !== "boolean") problems.push(["malformed", "response.allowed is not a boolean"]);
  if (r.status?.code === 500 || r.status?.reason === "InternalError")
    problems.push(["rule-threw", `InternalError in the answer: ${String(r.status?.message)}`]);
  if (r.allowed === false && typeof r.status?.message !== "string") problems.push(["malformed", "a denial without status.message"]);
  // The apiserver decodes the answer into Go structs (metav1.Status): a field of the wrong JSON type
  // fails the whole call ("failed calling webhook"), which failurePolicy Fail turns into a refusal.
  if (r.status !== undefined) problems.push(...statusTypeProblems(r.status));
  if (r.warnings !== undefined) {
    if (!Array.isArray(r.warnings) || r.warnings.some((w) => typeof w !== "string")) problems.push(["malformed", "warnings is not an array of strings"]);
    else
      for (const w of r.warnings as string[])
        if (w.length > 120) problems.push(["malformed", `warning longer than 120 characters: ${JSON.stringify(w.slice(0, 80))}...`]);
  }
  if (r.patch !== undefined) {
    if (r.patchType !== "JSONPatch") problems.push(["malformed", "patch without patchType JSONPatch"]);
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(String(r.patch), "base64").toString("utf8"));
    } catch {
      problems.push(["malformed", "patch is not base64 JSON"]);
    }
    if (ops !== undefined) {
      if (!Array.isArray(ops)) problems.push(["malformed", "patch is not a JSON array"]);
      else {
        try {
          // The apiserver applies the patch to the object it sent: it must apply cleanly.
          jsonpatch.applyPatch(structuredClone(object), ops as jsonpatch.Operation[], true, true);
        } catch (e) {
          problems.push(["malformed", `patch does not apply to the request's object: ${firstLine(errorText(e).message)}`]);
        }
      }
    }
    // kube-apiserver refuses a validating webhook's answer that carries a patch or patchType
    // ("validating webhook may not return response.patch"): with failurePolicy Fail the request fails.
    if (role === "validate")
      observations?.push({
        signature: "validate path answers with response.patch/patchType (the kube-apiserver rejects that from a validating webhook)",
        example: "",
      });
  }
  return problems;
}

const STRING_FIELDS = ["message", "reason", "status"] as const;

/** Fields of metav1.Status (and its details and causes) that do not have the JSON type Go expects. */
function statusTypeProblems(status: unknown): [FailureClass, string][] {
  const problems: [FailureClass, string][] = [];
  const bad = (where: string, v: unknown, want: string) =>
    problems.push([
      "malformed",
      `response.status.${where} is not a ${want}\n(it is ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}: ${JSON.stringify(v)?.slice(0, 80)})`,
    ]);
  const st = status as Record<string, unknown>;
  if (typeof st !== "object" || st === null) return [["malformed", "response.status is not an object"]];
  for (const f of STRING_FIELDS) if (st[f] !== undefined && typeof st[f] !== "string") bad(f, st[f], "string");
  if (st.code !== undefined && !Number.isInteger(st.code)) bad("code", st.code, "integer");
  const details = st.details as Record<string, unknown> | undefined;
  if (details !== undefined) {
    if (typeof details !== "object" || details === null) bad("details", details, "object");
    else {
      for (const f of ["name", "group", "kind"]) if (details[f] !== undefined && typeof details[f] !== "string") bad(`details.${f}`, details[f], "string");
      const causes = details.causes;
      if (causes !== undefined && !Array.isArray(causes)) bad("details.causes", causes, "list");
      else
        for (const [i, c] of ((causes as unknown[] | undefined) ?? []).entries()) {
          for (const f of ["reason", "message", "field"]) {
            const v = (c as Record<string, unknown>)?.[f];
            if (v !== undefined && typeof v !== "string") bad(`details.causes[${i}].${f}`, v, "string");
          }
        }
    }
  }
  return problems;
}

// ---- direct: through the pipeline functions ------------------------------------------------------

const withBound = <T>(p: Promise<T>, ms: number): Promise<T | "timeout"> => {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
};

/** Runs one case the way the HTTP handler does, minus HTTP. Never throws: problems are returned. */
export async function checkDirect(c: ReviewCase, options: AdmissionOptions): Promise<Failure[]> {
  const failures: Failure[] = [];
  const fail = (cls: FailureClass, message: string, stack?: string, rule = ""): void => {
    failures.push({
      class: cls,
      signature: signatureOf(cls, message, stack, rule),
      message,
      ...(stack ? { stack } : {}),
      kind: c.kind,
      role: c.role,
      body: c.body,
    });
  };
  const value: unknown = JSON.parse(c.body);
  const decodable = isDecodableReview(value);
  let request: AdmissionRequest;
  try {
    request = decodeReview(value);
  } catch (e) {
    if (!(e instanceof BadReview)) fail("pipeline-threw", `decodeReview threw ${errorText(e).message}`, errorText(e).stack);
    else if (decodable) fail("decode-mismatch", `decodeReview refused an AdmissionReview: ${e.message}`);
    return failures;
  }
  if (!decodable) fail("decode-mismatch", "decodeReview accepted a body that is not an AdmissionReview");
  try {
    const cpu = process.cpuUsage();
    const handled = await withBound(handle(route(c.role, c.kind), Buffer.from(c.body), "application/json", { registry: RULES, options }), HANG_BOUND_MS);
    if (handled === "timeout") {
      fail("timeout", `handle() did not settle within ${HANG_BOUND_MS} ms`);
      return failures;
    }
    const cpuMs = cpuMsSince(cpu);
    if (cpuMs > ANSWER_BOUND_MS) fail("timeout", `handle() cost ${cpuMs.toFixed(0)} ms of CPU`);
    if (handled.status !== 200) {
      fail("decode-mismatch", `handle() refused an AdmissionReview decodeReview accepted: ${handled.message}`);
      return failures;
    }
    for (const f of handled.failures) {
      const { message, stack } = errorText(f.error);
      fail("rule-threw", message, stack, f.rule);
    }
    const wire: unknown = JSON.parse(handled.body);
    const object = (value as { request?: { object?: unknown } }).request?.object;
    // Observations (protocol details of the HTTP layer) come from the wire checks only.
    for (const [cls, message] of answerProblems(wire, request.uid, c.role, object)) {
      if (cls === "rule-threw" && failures.some((f) => f.class === "rule-threw")) continue; // already reported with its stack
      fail(cls, message);
    }
  } catch (e) {
    const { message, stack } = errorText(e);
    fail("pipeline-threw", message, stack);
  }
  return failures;
}

// ---- over HTTPS -----------------------------------------------------------------------------------

/** A request as sent on the wire: a body (possibly broken) and a content type (possibly wrong). */
export interface WireCase {
  readonly review: ReviewCase;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** How the body was derived from the review: decides which answers are acceptable. */
  readonly variant: "as-is" | "content-type" | "charset" | "truncated" | "bytes" | "not-object" | "bad-utf8" | "bom" | "empty";
}

const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"];
const OTHER_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/yaml",
  "application/merge-patch+json",
  "multipart/form-data; boundary=x",
  "",
];

export const wireCase = (o?: MutationOptions): fc.Arbitrary<WireCase> =>
  fc
    .record({
      review: reviewCase(o),
      variant: fc.oneof(
        { weight: 20, arbitrary: fc.constant("as-is" as const) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "content-type" as const,
            "charset" as const,
            "truncated" as const,
            "bytes" as const,
            "not-object" as const,
            "bad-utf8" as const,
            "bom" as const,
            "empty" as const,
          ),
        },
      ),
      jsonType: fc.constantFrom(...JSON_TYPES),
      otherType: fc.oneof(fc.constantFrom<string | undefined>(...OTHER_TYPES), fc.constant(undefined)),
      cut: fc.nat(),
      bytes: fc.uint8Array({ maxLength: 64 }),
      notObject: fc.constantFrom("1", '"x"', "null", "true", "[]", "[1,2]", "[{}]", '[{"apiVersion":"admission.k8s.io/v1"}]', "{}", " {} ", "1e999"),
    })
    .map((r): WireCase => {
      const text = r.review.body;
      switch (r.variant) {
        case "as-is":
          return { review: r.review, contentType: r.jsonType, body: Buffer.from(text), variant: r.variant };
        case "content-type":
          return { review: r.review, contentType: r.otherType, body: Buffer.from(text), variant: r.variant };
        case "charset":
          return { review: r.review, contentType: "application/json; charset=latin1", body: Buffer.from(text), variant: r.variant };
        case "truncated":
          return { review: r.review, contentType: r.jsonType, body: Buffer.from(text.slice(0, r.cut % Math.max(1, text.length - 1))), variant: r.variant };
        case "bytes":
          return { review: r.review, contentType: r.jsonType, body: Buffer.from(r.bytes), variant: r.variant };
        case "not-object":
          return { review: r.review, contentType: r.jsonType, body: Buffer.from(r.notObject), variant: r.variant };
        case "bad-utf8": {
          const buf = Buffer.from(text);
          const at = text.indexOf('"uid":"');
          const pos = at >= 0 ? at + 7 : r.cut % Math.max(1, buf.length);
          return {
            review: r.review,
            contentType: r.jsonType,
            body: Buffer.concat([buf.subarray(0, pos), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), buf.subarray(pos)]),
            variant: r.variant,
          };
        }
        case "bom":
          return { review: r.review, contentType: r.jsonType, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), variant: r.variant };
        case "empty":
          return { review: r.review, contentType: r.jsonType, body: Buffer.alloc(0), variant: r.variant };
      }
    });

export interface WireAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly ms: number;
  /** CPU time of this process meanwhile: the request's cost when the server runs in this process. */
  readonly cpuMs: number;
}

export function post(
  port: number,
  agent: https.Agent,
  path: string,
  contentType: string | undefined,
  body: Buffer,
  timeoutMs = HANG_BOUND_MS,
): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const headers: Record<string, string | number> = { "content-length": body.length };
    if (contentType !== undefined) headers["content-type"] = contentType;
    const req = https.request({ host: "127.0.0.1", port, method: "POST", path, agent, headers, servername: "localhost", timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8"),
          ms: performance.now() - started,
          cpuMs: cpuMsSince(cpu),
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

const parseOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Sends one wire case; checks the HTTP status, the answer's shape, and the time it took. A 5xx is
 * explained by running the same body through the pipeline functions: the failure then carries the
 * exception's signature and stack.
 */
export async function checkWire(w: WireCase, port: number, agent: https.Agent, observations?: Observation[]): Promise<Failure[]> {
  const failures: Failure[] = [];
  const bodyText = w.body.toString("utf8");
  const fail = (cls: FailureClass, message: string): void => {
    failures.push({
      class: cls,
      signature: `${cls} [${w.variant}]: ${firstLine(message)}`,
      message,
      kind: w.review.kind,
      role: w.review.role,
      body: bodyText,
      ...(w.contentType !== undefined ? { contentType: w.contentType } : {}),
    });
  };
  let answer: WireAnswer;
  try {
    answer = await post(port, agent, route(w.review.role, w.review.kind).path, w.contentType, w.body);
  } catch (e) {
    fail("transport", errorText(e).message);
    return failures;
  }
  if (answer.cpuMs > ANSWER_BOUND_MS) fail("timeout", `cost ${answer.cpuMs.toFixed(0)} ms of CPU`);
  if (answer.status >= 500) {
    fail("http-5xx", `HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    const cause = (
      await checkDirect(
        w.review,
        admissionOptions(
          worldResolver(() => w.review.world),
          50,
        ),
      )
    ).find((f) => f.stack);
    if (cause) {
      const f = failures[failures.length - 1]!;
      failures[failures.length - 1] = {
        ...f,
        signature: `${f.signature} — ${cause.signature}`,
        message: `${f.message} — through handle(): ${cause.message}`,
        ...(cause.stack ? { stack: cause.stack } : {}),
      };
    }
    return failures;
  }
  // What README "HTTP API" says the answer must be.
  const value = parseOrUndefined(bodyText);
  const isJsonType = w.contentType !== undefined && /^application\/json\s*(;|$)/i.test(w.contentType);
  // A charset parameter or a BOM may be honoured, ignored or refused (415/400): any of these is fine.
  const lenient = w.variant === "charset" || w.variant === "bom";
  const decodable = isJsonType && value !== undefined && isDecodableReview(value);
  if (answer.status === 200) {
    if (lenient) return failures;
    if (!decodable) fail("decode-mismatch", `HTTP 200 for a body that is not an AdmissionReview (${w.contentType ?? "no content type"})`);
    const answerValue = parseOrUndefined(answer.body);
    if (answerValue === undefined) fail("malformed", `HTTP 200 with a body that is not JSON: ${answer.body.slice(0, 120)}`);
    else if (decodable) {
      const object = (value as { request: { object?: unknown } }).request.object;
      for (const [cls, message] of answerProblems(answerValue, (value as { request: { uid: string } }).request.uid, w.review.role, object, observations))
        fail(cls, message);
    }
    return failures;
  }
  const clientError = answer.status === 400 || answer.status === 413 || (answer.status === 415 && lenient);
  if (!clientError) fail("malformed", `unexpected HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
  if (answer.status === 413 && w.body.length <= MAX_BODY_BYTES) fail("malformed", `413 for a ${w.body.length}-byte body`);
  if (decodable && !lenient && w.body.length <= MAX_BODY_BYTES && w.variant === "as-is")
    fail("decode-mismatch", `HTTP ${answer.status} for an AdmissionReview: ${answer.body.slice(0, 200)}`);
  if (!answer.contentType.startsWith("text/plain")) fail("malformed", `HTTP ${answer.status} answered as ${answer.contentType}, not text/plain`);
  if (/\n\s+at /.test(answer.body)) fail("malformed", `HTTP ${answer.status} body carries a stack trace`);
  return failures;
}

/** A stack without the thousands of identical frames of an overflow: repeats folded, at most 25 lines. */
function compactStack(stack: string): string[] {
  const out: string[] = [];
  let repeat = 0;
  for (const line of stack.split("\n")) {
    if (out.length && line === out[out.length - 1]) {
      repeat++;
      continue;
    }
    if (repeat) out.push(`    ... (repeated ${repeat} more times)`);
    repeat = 0;
    out.push(line);
  }
  if (repeat) out.push(`    ... (repeated ${repeat} more times)`);
  // Recursion alternating between two frames (Array.join ↔ Array.toString) folds pairwise.
  const folded: string[] = [];
  for (const line of out) {
    const n = folded.length;
    if (n >= 2 && line === folded[n - 2] && folded[n - 1] !== undefined && !folded[n - 1]!.includes("repeated")) {
      folded.pop();
      continue;
    }
    folded.push(line);
  }
  return folded.filter((l) => l.trim() !== "").slice(0, 25);
}

/** A short, readable rendering of a failure for reports. */
export function describeFailure(f: Failure, maxBody = 2000): string {
  const body = f.body.length > maxBody ? `${f.body.slice(0, maxBody)}... (${f.body.length} characters)` : f.body;
  return [
    `${f.signature}`,
    `  path: ${f.role} ${f.kind}${f.contentType !== undefined ? `, content-type ${JSON.stringify(f.contentType)}` : ""}`,
    `  message: ${f.message}`,
    ...(f.stack
      ? [
          `  stack:\n${compactStack(f.stack)
            .map((l) => `    ${l}`)
            .join("\n")}`,
        ]
      : []),
    `  body: ${body}`,
  ].join("\n");
}
