// Colour for people at a terminal, as git and kubectl give it: severities and verdicts in red, yellow
// or green. Only ever applied to words of our own, after the input's text is escaped (escapeControl),
// so a manifest can neither colour the terminal nor hide an escape sequence in ours.
export type Style = "error" | "warning" | "ok";
export type Paint = (style: Style, text: string) => string;

const SGR: Record<Style, number> = { error: 31, warning: 33, ok: 32 };

export const noPaint: Paint = (_style, text) => text;
export const ansiPaint: Paint = (style, text) => `\u001b[${SGR[style]}m${text}\u001b[0m`;
