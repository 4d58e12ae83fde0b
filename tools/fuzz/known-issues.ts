// Bugs the fuzzers found that are reported and not fixed yet. The bounded test (test/fuzz.test.ts)
// tolerates failures that match one of these, and says so in its output, so that `make test` stays
// usable meanwhile; `make fuzz` reports them apart from new findings. When a fix lands, delete its
// entry: the bounded test then fails again if the bug comes back.
export interface KnownIssue {
  readonly id: string;
  /** Matched against a failure's signature (see check.ts). */
  readonly pattern: RegExp;
  readonly summary: string;
}

const KNOWN_ISSUES: readonly KnownIssue[] = [];

export const knownIssueOf = (signature: string): KnownIssue | undefined => KNOWN_ISSUES.find((k) => k.pattern.test(signature));
