// kubectl's label selector syntax to a LabelSelector (apimachinery pkg/labels).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseLabelSelector, SelectorError } from "./selector.js";

describe("parseLabelSelector", () => {
  test("every operator", () => {
    assert.deepEqual(parseLabelSelector("env=prod, tier==db,team!=legacy,region in (eu, us),zone notin (a),has,!skip,example.com/flag=on"), {
      matchLabels: { env: "prod", tier: "db", "example.com/flag": "on" },
      matchExpressions: [
        { key: "team", operator: "NotIn", values: ["legacy"] },
        { key: "region", operator: "In", values: ["eu", "us"] },
        { key: "zone", operator: "NotIn", values: ["a"] },
        { key: "has", operator: "Exists" },
        { key: "skip", operator: "DoesNotExist" },
      ],
    });
    assert.deepEqual(parseLabelSelector("empty="), { matchLabels: { empty: "" } });
  });

  test("mistakes name the part that is wrong", () => {
    const cases: [string, RegExp][] = [
      ["", /empty requirement/],
      ["a=b,,c", /empty requirement/],
      ["env in (prod", /unbalanced "\("/],
      ["env in prod)", /unbalanced "\)"/],
      ["a b", /cannot read "a b"/],
      ["-a=b", /label key "-a"/],
      [`${"k".repeat(64)}=v`, /label key/],
      ["Bad_Prefix!/x=y", /cannot read|label key/],
      ["bad..prefix/x=y", /the prefix must be a DNS subdomain/],
      ["a=b=c", /label value "b=c"/],
      [`a=${"v".repeat(64)}`, /label value/],
      ["a=x,a=y", /cannot equal two values/],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => parseLabelSelector(text),
        (e: unknown) => e instanceof SelectorError && message.test(e.message),
        text,
      );
  });
});
