// An exact model of github.com/robfig/cron v1.2.0 (not v3) as Cloud Native PostgreSQL 0.5 uses it for
// ScheduledBackup schedules: cron.Parse, cron.ParseStandard and the schedules' Next, in UTC.
// Agreement with the real library is checked line by line against its oracle (../shared/oracles/robfig-cron-v1.2.0.jsonl).

export type { ParseResult, Schedule, SpecSchedule } from "./types.js";
export type { FiveFieldReadings } from "./describe.js";
export { parse, parseStandard } from "./parse.js";
export { next, firings, neverFires, minGapSeconds } from "./next.js";
export { describe, fiveFieldReadings } from "./describe.js";
export { standardSecondOpinion, inValidatorSubset } from "./validator.js";
