// The webhook knobs: which webhooks a setting names, and the matchConditions that exempt service
// accounts, evaluated by a CEL implementation over AdmissionReviews as the kube-apiserver sends them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validBackup } from "../../tools/testkit/admission.js";
import { called as celCalled } from "../../tools/testkit/cel.js";
import { admissionReview } from "../../tools/testkit/review.js";
import { OPERATOR_SERVICE_ACCOUNT } from "../deployment.js";
import { route } from "../routes.js";
import { exemptionCondition, serviceAccountUser, WEBHOOK_SELECTORS, webhookConfiguration, type WebhookKnobs } from "./webhooks.js";

type Webhook = { name: string; failurePolicy: string; timeoutSeconds: number; matchConditions?: { name: string; expression: string }[] };
const webhooks = (knobs: WebhookKnobs, role: "mutate" | "validate" = "validate"): Webhook[] =>
  webhookConfiguration(role, { namespace: "cnp-system", ...knobs }, {})["webhooks"] as Webhook[];

/** Each webhook's failurePolicy and timeoutSeconds, as `mcluster Fail 5`. */
const table = (knobs: WebhookKnobs, role: "mutate" | "validate" = "validate"): string[] =>
  webhooks(knobs, role).map((w) => `${w.name.split(".")[0]} ${w.failurePolicy} ${w.timeoutSeconds}`);

/** Whether the apiserver calls the webhook for a Backup created by `username`. */
const called = (webhook: Webhook, username: string): boolean =>
  celCalled(webhook.matchConditions, admissionReview("Backup", validBackup(), { userInfo: { username, groups: ["system:authenticated"] } }).request);

const OPERATOR = serviceAccountUser(OPERATOR_SERVICE_ACCOUNT);

describe("matchConditions", () => {
  test("the operator's service account skips the webhook; users and other service accounts do not", () => {
    for (const w of webhooks({ exemptServiceAccounts: [OPERATOR_SERVICE_ACCOUNT] })) {
      assert.equal(called(w, OPERATOR), false, w.name);
      assert.equal(called(w, "system:serviceaccount:postgresql-operator-system:default"), true);
      assert.equal(called(w, "system:serviceaccount:other:postgresql-operator-manager"), true);
      assert.equal(called(w, "alice@example.com"), true);
      assert.equal(called(w, "kubernetes-admin"), true);
    }
    assert.equal(OPERATOR, "system:serviceaccount:postgresql-operator-system:postgresql-operator-manager");
  });

  test("several accounts in one condition; none: no matchConditions at all (every request is sent)", () => {
    const [w] = webhooks({ exemptServiceAccounts: [OPERATOR_SERVICE_ACCOUNT, { namespace: "ci", name: "deployer" }] });
    assert.equal(w?.matchConditions?.length, 1);
    assert.equal(called(w!, OPERATOR), false);
    assert.equal(called(w!, "system:serviceaccount:ci:deployer"), false);
    assert.equal(called(w!, "system:serviceaccount:ci:tester"), true);
    for (const x of webhooks({})) assert.equal(x.matchConditions, undefined);
    assert.equal(exemptionCondition([OPERATOR_SERVICE_ACCOUNT]).name, "exempt-service-accounts");
  });

  test("a broken expression is an error in the CEL implementation (the check is not vacuous)", () => {
    const broken = { name: "x", failurePolicy: "Fail", timeoutSeconds: 10, matchConditions: [{ name: "x", expression: "request.userInfo.usrname == 'a'" }] };
    assert.throws(() => called(broken, "a"), /usrname/);
  });
});

describe("failurePolicy and timeoutSeconds settings", () => {
  test("defaults: Fail everywhere; mutating 5 s, validating 10 s", () => {
    assert.deepEqual(table({}, "mutate"), ["mcluster Fail 5", "mbackup Fail 5", "mscheduledbackup Fail 5"]);
    assert.deepEqual(table({}), ["vcluster Fail 10", "vbackup Fail 10", "vscheduledbackup Fail 10"]);
  });

  test("a setting names every webhook, a role, a kind or one webhook; a later setting wins", () => {
    const knobs: WebhookKnobs = {
      failurePolicy: [{ value: "Ignore" }, { webhooks: "validate", value: "Fail" }, { webhooks: "backup", value: "Ignore" }],
      timeoutSeconds: [{ webhooks: "validate-scheduledbackup", value: 7 }],
    };
    assert.deepEqual(
      [...table(knobs, "mutate"), ...table(knobs)],
      ["mcluster Ignore 5", "mbackup Ignore 5", "mscheduledbackup Ignore 5", "vcluster Fail 10", "vbackup Ignore 10", "vscheduledbackup Fail 7"],
    );
    assert.ok(WEBHOOK_SELECTORS.includes(route("validate", "ScheduledBackup").label));
  });
});
