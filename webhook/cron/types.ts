// Shapes of robfig/cron v1.2.0 schedules (spec.go SpecSchedule, constantdelay.go ConstantDelaySchedule).

export type FieldName = "second" | "minute" | "hour" | "dayOfMonth" | "month" | "dayOfWeek";

/** Where a parse error comes from: a field, the descriptor (`@...`), or the number of fields. */
export type ProblemField = FieldName | "descriptor" | "count";

/** One field as robfig's uint64 bitset holds it. */
export interface FieldSet {
  /** Allowed values, ascending, no duplicates (the set bits below bit 63). */
  readonly values: readonly number[];
  /**
   * robfig's star bit (bit 63): some list item began with `*` or `?`, with or without a step.
   * Only the day fields' star bits matter: if either is set, day-of-month AND day-of-week must
   * both match; if neither is, either suffices (spec.go dayMatches).
   */
  readonly star: boolean;
}

export interface SpecSchedule {
  readonly kind: "spec";
  readonly second: FieldSet;
  readonly minute: FieldSet;
  readonly hour: FieldSet;
  readonly dom: FieldSet;
  readonly month: FieldSet;
  readonly dow: FieldSet;
}

export interface EverySchedule {
  readonly kind: "every";
  /** Whole seconds between runs: at least 1, sub-second part dropped (constantdelay.go Every). */
  readonly delaySeconds: number;
}

export type Schedule = SpecSchedule | EverySchedule;

export type ParseResult =
  | { readonly ok: true; readonly schedule: Schedule }
  | {
      readonly ok: false;
      /** robfig v1.2.0's error text, exactly. */
      readonly error: string;
      readonly field?: ProblemField;
      /** The reason in plain words for a Kubernetes user, naming the field. */
      readonly explanation: string;
    };
