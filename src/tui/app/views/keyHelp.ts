// Every key, per pane and screen, for `?` and the footer: one list, so the two never
// disagree. `hint` is the footer's short label, `prio` its rank when the line is short.
import type { PaneId } from '../state/command.js';
import type { Tab } from '../state/detail.js';

export interface KeyHelp {
  keys: string;
  what: string;
  /** Footer label (absent: only in `?`). */
  hint?: string;
  /** Footer rank: lower shows first when room is short. */
  prio?: number;
}

export const GLOBAL_KEYS: KeyHelp[] = [
  { keys: '1-6  Tab  S-Tab', what: 'switch pane', hint: '1-6 panes', prio: 8 },
  { keys: ':', what: 'command line (:img, :pull REF)', hint: ': cmd', prio: 9 },
  { keys: '/', what: 'filter (Esc clears)', hint: '/ filter', prio: 5 },
  { keys: 'Esc', what: 'back; read errors, clear marks' },
  { keys: 'mouse', what: 'click selects, wheel scrolls' },
  { keys: '?', what: 'this help' },
  { keys: 'q  Ctrl-C', what: 'quit' },
];

export const PANE_KEYS: Record<PaneId, KeyHelp[]> = {
  containers: [
    { keys: '↑ ↓  j k', what: 'move the selection' },
    { keys: 'PgUp PgDn g G', what: 'page, first, last' },
    { keys: 'Enter', what: 'shell in the container (bash/sh)', hint: '⏎ shell', prio: 1 },
    { keys: 'e', what: 'exec a command, as a user', hint: 'e exec', prio: 12 },
    { keys: 'a', what: 'attach (TTY; Ctrl-P Ctrl-Q leaves)', hint: 'a attach', prio: 13 },
    { keys: 'c', what: 'create a container', hint: 'c create', prio: 2 },
    { keys: 'l', what: 'logs', hint: 'l logs', prio: 3 },
    { keys: 'd', what: 'details: stats, env, config, top', hint: 'd details', prio: 6 },
    { keys: 'u', what: 'start (marked/project/selected)', hint: 'u start', prio: 7 },
    { keys: 'x', what: 'stop (marked/project/selected)', hint: 'x stop', prio: 4 },
    { keys: 'r', what: 'restart', hint: 'r restart', prio: 11 },
    { keys: 'K', what: 'kill' },
    { keys: 'D  Delete', what: 'remove (asks first)', hint: 'D remove', prio: 4 },
    { keys: 'space', what: 'mark / unmark' },
    { keys: '← →', what: 'fold / unfold a compose project' },
    { keys: 'z', what: 'group by compose project' },
    { keys: 's  S', what: 'sort column / reverse', hint: 's sort', prio: 10 },
  ],
  images: [
    { keys: '↑ ↓  j k', what: 'move the selection' },
    { keys: 'p', what: 'pull an image (progress per layer, in the background)', hint: 'p pull', prio: 1 },
    { keys: 'Enter  c', what: 'run: the create form with this image', hint: '⏎ run', prio: 2 },
    { keys: 'D  Delete', what: 'remove (refused while a container uses it)', hint: 'D remove', prio: 3 },
    { keys: 'P', what: 'prune untagged images no container uses', hint: 'P prune', prio: 4 },
    { keys: 'space', what: 'mark / unmark' },
  ],
  volumes: [
    { keys: '↑ ↓  j k', what: 'move the selection' },
    { keys: 'c', what: 'create a volume', hint: 'c create', prio: 1 },
    { keys: 'D  Delete', what: 'remove (refused while a container uses it)', hint: 'D remove', prio: 2 },
    { keys: 'P', what: 'prune volumes no container uses', hint: 'P prune', prio: 3 },
    { keys: 'space', what: 'mark / unmark' },
  ],
  networks: [
    { keys: '↑ ↓  j k', what: 'move the selection' },
    { keys: 'c', what: 'create a network', hint: 'c create', prio: 1 },
    { keys: 'D  Delete', what: 'remove', hint: 'D remove', prio: 2 },
  ],
  events: [
    { keys: '↑ ↓ PgUp PgDn', what: 'scroll (leaves follow)' },
    { keys: 'f  End  G', what: 'follow the newest', hint: 'f follow', prio: 1 },
    { keys: 'g  Home', what: 'oldest kept' },
    { keys: 'C', what: 'clear the list', hint: 'C clear', prio: 2 },
  ],
  tasks: [
    { keys: '↑ ↓  j k', what: 'choose a task (its detail below)' },
    { keys: 'C', what: 'clear finished tasks', hint: 'C clear', prio: 1 },
  ],
};

export const DETAIL_KEYS: KeyHelp[] = [
  { keys: 'Tab  S-Tab  [ ]', what: 'next / previous tab', hint: 'Tab tabs', prio: 1 },
  { keys: 'Enter', what: 'shell in the container', hint: '⏎ shell', prio: 3 },
  { keys: 'Esc  q', what: 'back to the list', hint: 'Esc back', prio: 0 },
];

export const TAB_KEYS: Record<Tab, KeyHelp[]> = {
  info: [{ keys: '↑ ↓ PgUp PgDn', what: 'scroll' }],
  logs: [
    { keys: '↑ ↓ PgUp PgDn', what: 'scroll (leaves follow; above the first line loads older ones)' },
    { keys: 'f  End  G', what: 'follow the end', hint: 'f follow', prio: 2 },
    { keys: 'g  Home', what: 'first line' },
    { keys: '/  n  N', what: 'search, next, previous', hint: '/ search', prio: 4 },
    { keys: 'w', what: 'wrap long lines on/off', hint: 'w wrap', prio: 5 },
    { keys: '← →', what: 'scroll sideways (wrap off)' },
    { keys: 't', what: 'timestamps on/off', hint: 't time', prio: 6 },
  ],
  stats: [],
  env: [{ keys: '↑ ↓ PgUp PgDn', what: 'scroll' }],
  config: [
    { keys: '↑ ↓', what: 'move' },
    { keys: 'Enter  space', what: 'fold / unfold', hint: '⏎ fold', prio: 2 },
    { keys: '← →', what: 'fold (or go to the parent) / unfold' },
    { keys: 'E  C', what: 'unfold everything / fold to the outline', hint: 'E/C all', prio: 4 },
  ],
  top: [{ keys: '↑ ↓', what: 'scroll (refreshed every 2 s)' }],
  health: [{ keys: '↑ ↓', what: 'scroll' }],
};

export const FORM_KEYS: KeyHelp[] = [
  { keys: 'Tab ↓  S-Tab ↑', what: 'next / previous field', hint: 'Tab next', prio: 1 },
  { keys: '← →', what: 'choose the image (on Image)', hint: '←/→ image', prio: 3 },
  { keys: 'space', what: 'toggle (on Interactive)', hint: 'space toggle', prio: 4 },
  { keys: 'Ctrl-A E U K W', what: 'edit the text (readline keys)' },
  { keys: 'Enter', what: 'create and start', hint: '⏎ create', prio: 0 },
  { keys: 'Esc', what: 'cancel', hint: 'Esc cancel', prio: 0 },
];

/** The footer line: the hints by rank that fit, and always "? help  q quit" at the end. */
export function footerHints(keys: KeyHelp[], width: number, tail = '? help  q quit'): string {
  const hints = keys.filter((k) => k.hint).sort((a, b) => (a.prio ?? 99) - (b.prio ?? 99));
  const room = width - tail.length;
  const chosen: KeyHelp[] = [];
  let used = 0;
  for (const h of hints) {
    const w = h.hint!.length + 2;
    if (used + w <= room) {
      chosen.push(h);
      used += w;
    }
  }
  // Keep the order of the list (related keys stay together), not the rank.
  const text = keys.filter((k) => chosen.includes(k)).map((k) => k.hint).join('  ');
  return text ? `${text}  ${tail}` : tail;
}
