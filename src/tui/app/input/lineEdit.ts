// One-line text editing with the keys of readline (bash, less, every REPL): the text fields
// of the form, the filter, the search, the `:` command line and the prompts all edit through
// this one function. Pure.
import type { InputEvent, Key } from './keys.js';

export interface Line {
  value: string;
  /** Cursor position in UTF-16 units, 0..value.length. */
  cursor: number;
}

export function line(value = ''): Line {
  return { value, cursor: value.length };
}

/** What a paste may put into a one-line field: newlines and tabs become spaces, other controls go. */
export function pastedText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n|[\r\n\t]/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
}

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

/** Start of the word before `at` (readline's Alt-B / Alt-Backspace: letters and digits). */
function wordStart(v: string, at: number): number {
  let i = at;
  while (i > 0 && !isWordChar(v[i - 1])) i--;
  while (i > 0 && isWordChar(v[i - 1])) i--;
  return i;
}

/** End of the word after `at` (Alt-F / Alt-D). */
function wordEnd(v: string, at: number): number {
  let i = at;
  while (i < v.length && !isWordChar(v[i])) i++;
  while (i < v.length && isWordChar(v[i])) i++;
  return i;
}

/** Start of the whitespace-delimited word before `at` (Ctrl-W, unix-word-rubout). */
function bigWordStart(v: string, at: number): number {
  let i = at;
  while (i > 0 && /\s/.test(v[i - 1]!)) i--;
  while (i > 0 && !/\s/.test(v[i - 1]!)) i--;
  return i;
}

function insert(l: Line, text: string): Line {
  if (!text) return l;
  return { value: l.value.slice(0, l.cursor) + text + l.value.slice(l.cursor), cursor: l.cursor + text.length };
}

function cut(l: Line, from: number, to: number): Line {
  const a = Math.max(0, Math.min(from, to));
  const b = Math.min(l.value.length, Math.max(from, to));
  if (a === b) return l;
  return { value: l.value.slice(0, a) + l.value.slice(b), cursor: a };
}

function move(l: Line, to: number): Line {
  const cursor = Math.max(0, Math.min(l.value.length, to));
  return cursor === l.cursor ? l : { ...l, cursor };
}

/** The length of the code point before/after the cursor (a surrogate pair is one character). */
const prevLen = (v: string, at: number) => (at >= 2 && /[\uDC00-\uDFFF]/.test(v[at - 1]!) && /[\uD800-\uDBFF]/.test(v[at - 2]!) ? 2 : 1);
const nextLen = (v: string, at: number) => (/[\uD800-\uDBFF]/.test(v[at] ?? '') ? 2 : 1);

function editKey(l: Line, k: Key): Line | null {
  const { value: v, cursor: c } = l;
  if (k.ctrl && !k.meta) {
    switch (k.name) {
      case 'a':
        return move(l, 0);
      case 'e':
        return move(l, v.length);
      case 'b':
        return move(l, c - prevLen(v, c));
      case 'f':
        return move(l, c + nextLen(v, c));
      case 'u':
        return cut(l, 0, c);
      case 'k':
        return cut(l, c, v.length);
      case 'w':
        return cut(l, bigWordStart(v, c), c);
      case 'h':
      case 'backspace':
        return c > 0 ? cut(l, c - prevLen(v, c), c) : l;
      case 'd':
      case 'delete':
        return c < v.length ? cut(l, c, c + nextLen(v, c)) : l;
      case 'left':
        return move(l, wordStart(v, c));
      case 'right':
        return move(l, wordEnd(v, c));
      case 't': {
        // Transpose the two characters before the cursor (after it, at the end of the line).
        if (v.length < 2 || c === 0) return l;
        const at = c === v.length ? c - 1 : c;
        return { value: v.slice(0, at - 1) + v[at] + v[at - 1] + v.slice(at + 1), cursor: at + 1 };
      }
      default:
        return null;
    }
  }
  if (k.meta && !k.ctrl) {
    switch (k.name) {
      case 'b':
      case 'left':
        return move(l, wordStart(v, c));
      case 'f':
      case 'right':
        return move(l, wordEnd(v, c));
      case 'd':
        return cut(l, c, wordEnd(v, c));
      case 'backspace':
        return cut(l, wordStart(v, c), c);
      default:
        return null;
    }
  }
  if (k.text) return insert(l, k.text);
  switch (k.name) {
    case 'left':
      return move(l, c - prevLen(v, c));
    case 'right':
      return move(l, c + nextLen(v, c));
    case 'home':
      return move(l, 0);
    case 'end':
      return move(l, v.length);
    case 'backspace':
      return c > 0 ? cut(l, c - prevLen(v, c), c) : l;
    case 'delete':
      return c < v.length ? cut(l, c, c + nextLen(v, c)) : l;
    default:
      return null;
  }
}

/**
 * Applies a key or a paste to the line. Returns null for what a line does not take (Enter,
 * Tab, Esc, arrows up/down, unknown Ctrl keys), so the caller can use it (next field, submit).
 */
export function editLine(l: Line, ev: InputEvent): Line | null {
  if (ev.type === 'paste') return insert(l, pastedText(ev.text));
  if (ev.type !== 'key') return null;
  return editKey(l, ev.key);
}
