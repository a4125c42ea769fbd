// The `:` command line (as in k9s and vim): a pane by name or any prefix of it (`:img`,
// `:vol`), and a few verbs with an argument (`:pull busybox`, `:run alpine`). Parsing and
// completion are pure; App carries out what they return.

export const PANES = ['containers', 'images', 'volumes', 'networks', 'events', 'tasks'] as const;
export type PaneId = (typeof PANES)[number];

export const PANE_TITLES: Record<PaneId, string> = {
  containers: 'Containers',
  images: 'Images',
  volumes: 'Volumes',
  networks: 'Networks',
  events: 'Events',
  tasks: 'Tasks',
};

/** Other names each pane answers to on the command line (besides prefixes of its own). */
const ALIASES: Record<string, PaneId> = {
  ps: 'containers',
  co: 'containers',
  ctr: 'containers',
  img: 'images',
  im: 'images',
  vol: 'volumes',
  net: 'networks',
  ev: 'events',
  jobs: 'tasks',
  ops: 'tasks',
};

export type Command =
  | { kind: 'pane'; pane: PaneId }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'pull'; ref: string }
  | { kind: 'run'; image: string | null }
  | { kind: 'volume'; name: string | null }
  | { kind: 'filter'; text: string }
  | { kind: 'error'; message: string };

const VERBS = ['pull', 'run', 'create', 'volume', 'filter', 'help', 'quit'] as const;

/** Every word the command line completes. */
export const COMMAND_WORDS: readonly string[] = [...PANES, ...VERBS];

function paneFor(word: string): PaneId | null {
  const w = word.toLowerCase();
  if (ALIASES[w]) return ALIASES[w];
  const hits = PANES.filter((p) => p.startsWith(w));
  return hits.length >= 1 && w.length >= 2 ? hits[0]! : null;
}

export function parseCommand(text: string): Command {
  const t = text.trim().replace(/^:/, '');
  if (!t) return { kind: 'error', message: 'type a pane (containers, images, volumes, networks, events, tasks) or a command (pull, run, volume, filter, help, quit)' };
  const [word, ...rest] = t.split(/\s+/);
  const w = word!.toLowerCase();
  const arg = rest.join(' ');
  switch (w) {
    case 'q':
    case 'q!':
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'pull':
      return arg ? { kind: 'pull', ref: arg } : { kind: 'error', message: 'pull needs an image, e.g. :pull busybox:latest' };
    case 'run':
    case 'create':
      return { kind: 'run', image: arg || null };
    case 'volume':
    case 'vol':
      if (arg) return { kind: 'volume', name: arg === 'create' ? null : arg.replace(/^create\s+/, '') };
      break;
    case 'filter':
    case 'f':
      return { kind: 'filter', text: arg };
  }
  const pane = paneFor(w);
  if (pane && !arg) return { kind: 'pane', pane };
  if (/^[1-6]$/.test(w)) return { kind: 'pane', pane: PANES[Number(w) - 1]! };
  return { kind: 'error', message: `unknown command "${word}": try ${COMMAND_WORDS.join(', ')}` };
}

/** Tab on the command line: the word completed when one candidate fits, else the common prefix. */
export function completeCommand(text: string): { text: string; candidates: string[] } {
  if (/\s/.test(text.trim()) || text.endsWith(' ')) return { text, candidates: [] };
  const w = text.trim().toLowerCase();
  const candidates = COMMAND_WORDS.filter((c) => c.startsWith(w));
  if (candidates.length === 1) return { text: candidates[0]! + (VERBS.includes(candidates[0] as (typeof VERBS)[number]) && candidates[0] !== 'help' && candidates[0] !== 'quit' ? ' ' : ''), candidates };
  if (candidates.length === 0) return { text, candidates };
  let prefix = candidates[0]!;
  for (const c of candidates) while (!c.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return { text: prefix.length > w.length ? prefix : text, candidates };
}
