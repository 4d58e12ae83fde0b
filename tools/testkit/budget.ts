// How much work a long-running test does. `make test` runs every test at its short budget, enough to
// exercise each path; `make soak` runs the same tests at their full budget (TEST_BUDGET=full); a test's
// own variable sets any other amount (FAULT_BURST=300, SOAK_LOOKUPS=1000000).

/** `variable` if set (a positive integer), else `full` under TEST_BUDGET=full, else `short`. */
export function budget(variable: string, short: number, full: number): number {
  const own = process.env[variable];
  if (own !== undefined && own !== "") {
    const n = Number(own);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${variable}=${JSON.stringify(own)}: not a positive whole number`);
    return n;
  }
  return process.env["TEST_BUDGET"] === "full" ? full : short;
}
