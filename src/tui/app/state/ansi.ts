// Container output as styled text: SGR sequences (colours, bold...) are kept as positions in
// the plain text, so a line can be searched, measured, cut and scrolled sideways as plain
// text and drawn with its colours. Every other escape sequence (cursor moves, screen clears,
// titles) and control character would tear the screen and is dropped. Pure.

export interface Sgr {
  /** Position in the plain text where the sequence applies. */
  at: number;
  /** The whole sequence, e.g. "\x1b[31m". */
  code: string;
}

export interface StyledText {
  text: string;
  /** SGR sequences in order of `at`; absent when the line had none. */
  sgr?: Sgr[];
}

// CSI (SGR when it ends in "m" with numeric parameters), OSC (up to BEL or ST), other ESC pairs.
// eslint-disable-next-line no-control-regex
const ESCAPE_RE = /\x1b(?:\[([0-?]*)([ -/]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CTRL_RE = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** Tabs expanded to the next multiple of 4 columns, so widths are what they seem. */
function expandTabs(s: string, col: number): string {
  if (!s.includes('\t')) return s;
  let out = '';
  for (const ch of s) {
    if (ch === '\t') {
      const n = 4 - ((col + out.length) % 4);
      out += ' '.repeat(n);
    } else out += ch;
  }
  return out;
}

export function parseStyled(raw: string): StyledText {
  if (!raw.includes('\x1b')) return { text: expandTabs(raw, 0).replace(CTRL_RE, '') };
  let text = '';
  const sgr: Sgr[] = [];
  let last = 0;
  ESCAPE_RE.lastIndex = 0;
  for (let m = ESCAPE_RE.exec(raw); m; m = ESCAPE_RE.exec(raw)) {
    text += expandTabs(raw.slice(last, m.index), text.length).replace(CTRL_RE, '');
    last = m.index + m[0].length;
    if (m[3] === 'm' && m[2] === '' && /^[\d;:]*$/.test(m[1] ?? '')) sgr.push({ at: text.length, code: m[0] });
  }
  text += expandTabs(raw.slice(last), text.length).replace(CTRL_RE, '');
  return sgr.length ? { text, sgr } : { text };
}

/** The plain text with control codes removed (for lines whose colours are not wanted). */
export function plainText(raw: string): string {
  return parseStyled(raw).text;
}

export interface Segment {
  text: string;
  /** SGR sequences in force at the start of the segment (to prefix it with); '' for none. */
  style: string;
  /** Inside a search match. */
  match: boolean;
}

const RESET = '\x1b[0m';

/**
 * The columns [from, from + width) of a line as segments cut at colour changes and at the
 * edges of the search matches (`matches`: [start, end) ranges in the plain text).
 */
export function segments(line: StyledText, from: number, width: number, matches: [number, number][] = []): Segment[] {
  const end = Math.min(line.text.length, from + Math.max(0, width));
  if (end <= from) return [];
  const cuts = new Set<number>([from, end]);
  for (const s of line.sgr ?? []) if (s.at > from && s.at < end) cuts.add(s.at);
  for (const [a, b] of matches) {
    if (a > from && a < end) cuts.add(a);
    if (b > from && b < end) cuts.add(b);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  const sgr = line.sgr ?? [];
  let si = 0;
  let style = '';
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    while (si < sgr.length && sgr[si]!.at <= a) {
      const code = sgr[si]!.code;
      // A reset makes everything before it irrelevant: keep the prefix short.
      style = code === RESET || code === '\x1b[m' ? '' : style + code;
      si++;
    }
    const match = matches.some(([x, y]) => a >= x && b <= y);
    out.push({ text: line.text.slice(a, b), style, match });
  }
  return out;
}

/** Where `term` occurs in `text`, case-insensitive, as [start, end) ranges. */
export function findAll(text: string, term: string): [number, number][] {
  if (!term) return [];
  const lower = text.toLowerCase();
  const t = term.toLowerCase();
  const out: [number, number][] = [];
  for (let i = lower.indexOf(t); i >= 0; i = lower.indexOf(t, i + t.length)) out.push([i, i + t.length]);
  return out;
}
