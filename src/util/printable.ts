/**
 * Text made safe for a terminal: the CLI's output and the pretty log lines a person watches. A table
 * cell or message may carry what a stranger wrote (a peer's reject reason in `peers`, a relay's
 * refusal in `punch`): an ESC there could clear the screen, forge the output, retitle the window
 * or, where the terminal allows OSC 52, fill the clipboard. Control characters (C0 but newline and
 * tab, DEL, C1) and the bidirectional overrides that reorder what is shown are written as visible
 * escapes instead (`\x1b`, `\u202e`). JSON output needs none of this: JSON.stringify escapes
 * control characters itself.
 */

// C0 except \t (09) and \n (0a), DEL, C1; the bidi embeddings, overrides and isolates.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escape = (ch: string): string => {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
};

export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

// …and newline and tab too, for text that must stay on its one line (a table cell, a log message).
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** printable(), with newlines and tabs escaped as well: a peer's words cannot add rows to a table or lines to a log. */
export function printableLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escape);
}
