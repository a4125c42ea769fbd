// The logs view: lines as they arrive (per stream, timestamps kept apart so they can be
// toggled without fetching again, colours kept as SGR positions), a scroll position that
// follows the end until the user scrolls, older lines loaded in front when the top is
// reached, wrap or sideways scrolling for long lines, a search with the lines that match, and
// the state of the stream (following, ended, reconnecting). Pure.
import { findAll, parseStyled, type StyledText } from './ansi.js';

/** Lines kept in memory; past it the oldest are dropped (and can be loaded again). */
export const MAX_LOG_LINES = 20000;
/** Lines fetched when the view opens, and per step when scrolling above the first one. */
export const LOG_PAGE = 2000;
/** Columns moved by one ←/→ press without wrapping. */
export const HSCROLL_STEP = 8;

export interface LogLine {
  stream: 'stdout' | 'stderr';
  ts: string | null;
  text: StyledText;
}

export interface LogSearch {
  term: string;
  /** Indexes into `lines` of the lines containing `term` (case-insensitive). */
  matches: number[];
  /** Index into `matches` of the current match, -1 for none. */
  current: number;
}

export type StreamStatus = 'connecting' | 'following' | 'ended' | 'reconnecting';

export interface LogsState {
  lines: LogLine[];
  partial: { stdout: string; stderr: string };
  /** First line shown; null follows the end. */
  top: number | null;
  timestamps: boolean;
  wrap: boolean;
  /** First column shown when not wrapping. */
  left: number;
  search: LogSearch;
  status: StreamStatus;
  /** Why the stream ended or is being reconnected. */
  error: string | null;
  /** Records before the first line that are not loaded (from the daemon's count); null unknown. */
  older: number | null;
  loadingOlder: boolean;
}

export type LogsAction =
  | { type: 'logs/append'; chunks: { stream: 'stdout' | 'stderr'; text: string }[] }
  | { type: 'logs/prepend'; chunks: { stream: 'stdout' | 'stderr'; text: string }[]; more: boolean }
  | { type: 'logs/olderLoading' }
  | { type: 'logs/count'; total: number }
  | { type: 'logs/status'; status: StreamStatus; error?: string | null }
  | { type: 'logs/scroll'; delta: number; height: number }
  | { type: 'logs/home' }
  | { type: 'logs/follow' }
  | { type: 'logs/hscroll'; delta: number }
  | { type: 'logs/toggleTimestamps' }
  | { type: 'logs/toggleWrap' }
  | { type: 'logs/searchCommit'; term: string; height: number }
  | { type: 'logs/next'; dir: 1 | -1; height: number };

export function initialLogs(): LogsState {
  return {
    lines: [],
    partial: { stdout: '', stderr: '' },
    top: null,
    timestamps: false,
    wrap: false,
    left: 0,
    search: { term: '', matches: [], current: -1 },
    status: 'connecting',
    error: null,
    older: null,
    loadingOlder: false,
  };
}

const TS_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/s;

/** The timestamp a record starts with (logs requested with timestamps=1), or null. */
export function recordTimestamp(text: string): string | null {
  const sp = text.indexOf(' ');
  if (sp < 20 || sp > 40) return null;
  const ts = text.slice(0, sp);
  return TS_RE.test(`${ts} `) ? ts : null;
}

function parseLine(stream: 'stdout' | 'stderr', raw: string): LogLine {
  const m = TS_RE.exec(raw);
  return m ? { stream, ts: m[1]!, text: parseStyled(m[2]!) } : { stream, ts: null, text: parseStyled(raw) };
}

function splitChunks(chunks: { stream: 'stdout' | 'stderr'; text: string }[], partial: LogsState['partial']): { lines: LogLine[]; partial: LogsState['partial'] } {
  const next = { ...partial };
  const lines: LogLine[] = [];
  for (const c of chunks) {
    const parts = (next[c.stream] + c.text).split('\n');
    next[c.stream] = parts.pop()!;
    for (const p of parts) lines.push(parseLine(c.stream, p));
  }
  return { lines, partial: next };
}

function matchesOf(lines: LogLine[], term: string, from = 0): number[] {
  if (!term) return [];
  const t = term.toLowerCase();
  const out: number[] = [];
  for (let i = from; i < lines.length; i++) if (lines[i]!.text.text.toLowerCase().includes(t)) out.push(i);
  return out;
}

/** The search matches of one line, for highlighting. */
export function lineMatches(l: LogLine, term: string): [number, number][] {
  return findAll(l.text.text, term);
}

/** The first line shown for a window of `height` lines. */
export function effectiveTop(s: LogsState, height: number): number {
  const maxTop = Math.max(0, s.lines.length - height);
  return s.top === null ? maxTop : Math.min(Math.max(0, s.top), maxTop);
}

/** Puts line `i` in view (a third from the top) unless it is already visible. */
function reveal(s: LogsState, i: number, height: number): number | null {
  const top = effectiveTop(s, height);
  if (i >= top && i < top + height) return s.top;
  const t = Math.max(0, i - Math.floor(height / 3));
  return t >= Math.max(0, s.lines.length - height) ? null : t;
}

/** True when the view is at its first line and older lines exist that are not loaded. */
export function wantsOlder(s: LogsState): boolean {
  return s.top === 0 && !s.loadingOlder && s.older !== 0 && s.lines.length > 0 && s.lines[0]!.ts !== null;
}

export function logsReducer(s: LogsState, a: LogsAction): LogsState {
  switch (a.type) {
    case 'logs/append': {
      const { lines: added, partial } = splitChunks(a.chunks, s.partial);
      if (added.length === 0) return { ...s, partial };
      let lines = s.lines.concat(added);
      const drop = Math.max(0, lines.length - MAX_LOG_LINES);
      let { top, older } = s;
      let { matches, current } = s.search;
      if (drop > 0) {
        lines = lines.slice(drop);
        top = top === null ? null : Math.max(0, top - drop);
        const kept = matches.filter((m) => m >= drop).map((m) => m - drop);
        current = current < 0 ? -1 : Math.max(-1, current - (matches.length - kept.length));
        matches = kept;
        older = (older ?? 0) + drop;
      }
      matches = matches.concat(matchesOf(lines, s.search.term, lines.length - added.length));
      return { ...s, lines, partial, top, older, search: { ...s.search, matches, current } };
    }
    case 'logs/prepend': {
      // Older records end with a newline each; what is left over is still a line.
      const { lines: added, partial } = splitChunks(a.chunks, { stdout: '', stderr: '' });
      for (const k of ['stdout', 'stderr'] as const) if (partial[k]) added.push(parseLine(k, partial[k]));
      const n = added.length;
      const lines = added.concat(s.lines);
      const matches = matchesOf(added, s.search.term).concat(s.search.matches.map((m) => m + n));
      const current = s.search.current < 0 ? -1 : s.search.current + (matches.length - s.search.matches.length);
      const older = a.more ? (s.older === null ? null : Math.max(1, s.older - n)) : 0;
      return { ...s, lines, top: s.top === null ? null : s.top + n, older, loadingOlder: false, search: { ...s.search, matches, current } };
    }
    case 'logs/olderLoading':
      return { ...s, loadingOlder: true };
    case 'logs/count':
      return { ...s, older: Math.max(0, a.total - s.lines.length) };
    case 'logs/status': {
      if (a.status === 'ended' || a.status === 'reconnecting') {
        // Whatever is left without a newline is still a line.
        const rest = (['stdout', 'stderr'] as const).filter((k) => s.partial[k] !== '');
        const lines = rest.length ? s.lines.concat(rest.map((k) => parseLine(k, s.partial[k]))) : s.lines;
        return { ...s, lines, partial: { stdout: '', stderr: '' }, status: a.status, error: a.error ?? null };
      }
      return { ...s, status: a.status, error: a.error ?? null };
    }
    case 'logs/scroll': {
      const maxTop = Math.max(0, s.lines.length - a.height);
      const t = effectiveTop(s, a.height) + a.delta;
      return { ...s, top: t >= maxTop ? null : Math.max(0, t) };
    }
    case 'logs/home':
      return { ...s, top: 0 };
    case 'logs/follow':
      return { ...s, top: null };
    case 'logs/hscroll':
      return s.wrap ? s : { ...s, left: Math.max(0, s.left + a.delta) };
    case 'logs/toggleTimestamps':
      return { ...s, timestamps: !s.timestamps };
    case 'logs/toggleWrap':
      return { ...s, wrap: !s.wrap, left: 0 };
    case 'logs/searchCommit': {
      const term = a.term;
      const matches = matchesOf(s.lines, term);
      // Start from the first match at or below the top of the view, as `less` does.
      const top = effectiveTop(s, a.height);
      let current = matches.findIndex((m) => m >= top);
      if (current < 0) current = matches.length - 1;
      const next = { ...s, search: { term, matches, current } };
      return current >= 0 ? { ...next, top: reveal(next, matches[current]!, a.height) } : next;
    }
    case 'logs/next': {
      const { matches } = s.search;
      if (matches.length === 0) return s;
      const current = (s.search.current + a.dir + matches.length) % matches.length;
      const next = { ...s, search: { ...s.search, current } };
      return { ...next, top: reveal(next, matches[current]!, a.height) };
    }
  }
}
