// Release 0.5 recovers WAL with restore_command = '<barman-cloud-wal-restore [-e E] [--endpoint-url URL]
// DESTINATION SERVER %f %p>' in postgresql.conf: the parts joined with single spaces and not escaped
// (cnp v0.5.0 pkg/management/postgres/restore.go:126-148). PostgreSQL reads the line as a quoted
// setting, substitutes %p, %f, %r and %%, and runs it with /bin/sh -c (docs/operator-0.5.md §4).
// Archiving and base backups run barman-cloud without a shell, so only a recovery breaks.

export interface RestoreCommandHazard {
  /** The offending text, as written. */
  readonly text: string;
  /** What it does to the restore_command line. */
  readonly effect: string;
}

const SHELL = /["`$;&|<>(){}]/;
const WHITESPACE = /[\s\0]/;

/** The first part of `value` that breaks the restore_command line it is pasted into, if any. */
export function restoreCommandHazard(value: string): RestoreCommandHazard | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === "'") return { text: c, effect: "ends the quoted restore_command setting in postgresql.conf" };
    if (c === "\\") return { text: c, effect: "is an escape to postgresql.conf and to the shell" };
    if (c === "%" && /[pfr%]/.test(value.charAt(i + 1))) {
      return { text: value.slice(i, i + 2), effect: "is replaced by PostgreSQL before the command runs" };
    }
    if (WHITESPACE.test(c)) {
      const shown = { " ": "a space", "\t": "a tab", "\n": "a newline", "\r": "a carriage return", "\0": "a NUL" }[c] ?? "whitespace";
      return { text: c, effect: `(${shown}) splits the command line` };
    }
    if (SHELL.test(c)) return { text: c, effect: "is special to the shell that runs restore_command" };
  }
  return undefined;
}
