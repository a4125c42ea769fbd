// Terminal input as events: keys, pasted text and mouse reports. Ink hands us its input
// already cut at escape sequences (one CSI/SS3 sequence per piece, text runs between them);
// this module turns each piece into events. A text run becomes one key per character, so a
// fast burst ("name<Tab>sleep 1") is handled key by key against the newest state instead of
// landing in one text field whole. Pure: the decoder's state is passed in and returned.

export interface Key {
  /**
   * What was pressed: a printable character ('a', 'A', 'é', ' '), a named key ('up',
   * 'return', 'tab', 'backspace', 'delete', 'escape', 'home', 'end', 'pageup', 'pagedown',
   * 'insert', 'f1'...), or the letter of a Ctrl combination with `ctrl` set ('u' for Ctrl-U).
   */
  name: string;
  /** The character to insert for a printable key; '' for named keys and Ctrl/Alt combinations. */
  text: string;
  ctrl: boolean;
  /** Alt (sent as ESC before the key). */
  meta: boolean;
  shift: boolean;
}

export type MouseAction = 'press' | 'release' | 'drag' | 'wheelUp' | 'wheelDown';

/** An SGR (mode 1006) mouse report; x and y are 0-based cells from the top-left corner. */
export interface Mouse {
  action: MouseAction;
  /** 0 left, 1 middle, 2 right (wheel: 0). */
  button: number;
  x: number;
  y: number;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
}

export type InputEvent = { type: 'key'; key: Key } | { type: 'paste'; text: string } | { type: 'mouse'; mouse: Mouse };

export interface DecoderState {
  /** Inside a bracketed paste (ESC[200~ ... ESC[201~): text is gathered, not typed. */
  pasting: boolean;
  paste: string;
}

export const initialDecoder: DecoderState = { pasting: false, paste: '' };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

function key(name: string, mods: Partial<Pick<Key, 'ctrl' | 'meta' | 'shift'>> = {}, text = ''): Key {
  return { name, text, ctrl: mods.ctrl ?? false, meta: mods.meta ?? false, shift: mods.shift ?? false };
}

/** CSI/SS3 final bytes of the cursor and editing keys (xterm, rxvt, the Linux console). */
const CSI_LETTER: Record<string, string> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  E: 'clear',
  P: 'f1',
  Q: 'f2',
  R: 'f3',
  S: 'f4',
};

const CSI_TILDE: Record<string, string> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  '7': 'home',
  '8': 'end',
  '11': 'f1',
  '12': 'f2',
  '13': 'f3',
  '14': 'f4',
  '15': 'f5',
  '17': 'f6',
  '18': 'f7',
  '19': 'f8',
  '20': 'f9',
  '21': 'f10',
  '23': 'f11',
  '24': 'f12',
};

/** xterm's modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiers(param: string | undefined): Pick<Key, 'ctrl' | 'meta' | 'shift'> {
  const m = Math.max(0, Number(param ?? 1) - 1) || 0;
  return { shift: (m & 1) !== 0, meta: (m & 2) !== 0, ctrl: (m & 4) !== 0 };
}

/** One control character or printable character of a text run. */
function charKey(ch: string, meta = false): Key | null {
  const code = ch.codePointAt(0)!;
  if (ch === '\r' || ch === '\n') return key('return', { meta });
  if (ch === '\t') return key('tab', { meta });
  if (code === 0x7f) return key('backspace', { meta });
  if (code === 0x08) return key('backspace', { ctrl: true, meta });
  if (code === 0x1b) return key('escape', { meta });
  if (code === 0) return key('space', { ctrl: true, meta });
  if (code < 0x20) return key(String.fromCharCode(code + 0x60), { ctrl: true, meta });
  if (code >= 0x80 && code < 0xa0) return null;
  if (meta) return key(ch, { meta: true, shift: ch !== ch.toLowerCase() });
  return key(ch, { shift: ch !== ch.toLowerCase() }, ch);
}

function parseMouse(params: string, final: string): Mouse | null {
  const m = /^<(\d+);(\d+);(\d+)$/.exec(params);
  if (!m) return null;
  const b = Number(m[1]);
  const x = Number(m[2]) - 1;
  const y = Number(m[3]) - 1;
  const mods = { shift: (b & 4) !== 0, meta: (b & 8) !== 0, ctrl: (b & 16) !== 0 };
  if (b & 64) return { action: (b & 1) === 0 ? 'wheelUp' : 'wheelDown', button: 0, x, y, ...mods };
  const button = b & 3;
  const action: MouseAction = final === 'm' ? 'release' : b & 32 ? 'drag' : 'press';
  return { action, button, x, y, ...mods };
}

/** An escape sequence as Ink delivers it (ESC alone, ESC+char, or a whole CSI/SS3 sequence). */
function decodeEscape(seq: string): InputEvent[] {
  if (seq === '\x1b') return [{ type: 'key', key: key('escape') }];
  // ESC ESC [ A: Alt+arrow on some terminals.
  if (seq.startsWith('\x1b\x1b') && seq.length > 2) {
    return decodeEscape(seq.slice(1)).map((e) => (e.type === 'key' ? { ...e, key: { ...e.key, meta: true, text: '' } } : e));
  }
  const csi = /^\x1b\[([0-?]*)([ -/]*)([@-~])$/.exec(seq);
  if (csi) {
    const [, params, , final] = csi as unknown as [string, string, string, string];
    if (params.startsWith('<') && (final === 'M' || final === 'm')) {
      const mouse = parseMouse(params, final);
      return mouse ? [{ type: 'mouse', mouse }] : [];
    }
    if (final === 'Z') return [{ type: 'key', key: key('tab', { shift: true }) }];
    if (final === '~') {
      const [num, mod] = params.split(';');
      const name = CSI_TILDE[num ?? ''];
      return name ? [{ type: 'key', key: key(name, modifiers(mod)) }] : [];
    }
    const name = CSI_LETTER[final];
    if (name) return [{ type: 'key', key: key(name, modifiers(params.split(';')[1])) }];
    return []; // focus reports, device answers...: nothing a person typed
  }
  const ss3 = /^\x1bO([A-Z])$/.exec(seq);
  if (ss3) {
    const name = CSI_LETTER[ss3[1]!];
    return name ? [{ type: 'key', key: key(name) }] : [];
  }
  // ESC followed by one character: Alt+key (Alt-b, Alt-f, Alt-Backspace...).
  const rest = [...seq.slice(1)];
  if (rest.length === 1) {
    const k = charKey(rest[0]!, true);
    return k ? [{ type: 'key', key: k }] : [];
  }
  return [];
}

/**
 * Decodes one piece of input. Text runs become one key per character; escape sequences one
 * key, one mouse report, or nothing (unknown sequences are dropped rather than typed).
 */
export function decode(state: DecoderState, piece: string): { state: DecoderState; events: InputEvent[] } {
  if (state.pasting) {
    const end = piece.indexOf(PASTE_END);
    if (end < 0) return { state: { pasting: true, paste: state.paste + piece }, events: [] };
    const text = state.paste + piece.slice(0, end);
    const after = decode(initialDecoder, piece.slice(end + PASTE_END.length));
    return { state: after.state, events: [{ type: 'paste', text }, ...after.events] };
  }
  if (piece.startsWith(PASTE_START)) {
    return decode({ pasting: true, paste: '' }, piece.slice(PASTE_START.length));
  }
  if (piece === '') return { state, events: [] };
  if (piece.startsWith('\x1b')) return { state, events: decodeEscape(piece) };
  const events: InputEvent[] = [];
  for (const ch of piece) {
    const k = charKey(ch);
    if (k) events.push({ type: 'key', key: k });
  }
  return { state, events };
}

/** True for a plain printable character (no Ctrl/Alt), e.g. to type into a field. */
export function isPrintable(k: Key): boolean {
  return k.text !== '';
}

/** A compact name for a key, for tests and key maps: 'j', 'J', 'ctrl-u', 'alt-b', 'shift-tab', 'up'. */
export function keyId(k: Key): string {
  const mods = `${k.ctrl ? 'ctrl-' : ''}${k.meta ? 'alt-' : ''}`;
  if (k.text) return k.text;
  if (k.name.length === 1) return mods + k.name;
  return `${mods}${k.shift ? 'shift-' : ''}${k.name}`;
}
