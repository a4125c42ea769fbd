// A JSON document as foldable lines (the Config tab): each object or array can be folded to
// one line, which says how many entries it hides. Pure.

export interface JsonLine {
  /** Where the line's value is: "" for the root, the keys joined by SEP for nested ones. */
  path: string;
  depth: number;
  /** The key (or index) and the value, or the opening bracket of a foldable value. */
  text: string;
  /** An object or array with entries: it can be folded. */
  foldable: boolean;
  folded: boolean;
  /** A closing bracket line. */
  closing: boolean;
}

export interface JsonView {
  /** Paths of the folded values. */
  folded: string[];
  /** Index of the line with the cursor. */
  cursor: number;
  /** First line shown. */
  top: number;
}

export function initialJsonView(): JsonView {
  return { folded: [], cursor: 0, top: 0 };
}

/** Between the keys of a path (a character no JSON key of Docker's uses, unlike "/" in "80/tcp"). */
const SEP = '\x1f';

function scalar(v: unknown): string {
  return v === undefined ? 'null' : JSON.stringify(v);
}

/** The paths of every object/array at depth >= `depth` (to fold a document to an outline). */
export function foldableAt(value: unknown, depth: number): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string, d: number) => {
    if (v === null || typeof v !== 'object') return;
    const entries = Object.entries(v as object);
    if (entries.length === 0) return;
    if (d >= depth) out.push(path);
    for (const [k, x] of entries) walk(x, `${path}${SEP}${k}`, d + 1);
  };
  walk(value, '', 0);
  return out;
}

export function jsonLines(value: unknown, folded: readonly string[]): JsonLine[] {
  const fold = new Set(folded);
  const out: JsonLine[] = [];
  const walk = (v: unknown, path: string, depth: number, label: string, comma: string) => {
    const prefix = label ? `${label}: ` : '';
    if (v === null || typeof v !== 'object') {
      out.push({ path, depth, text: `${prefix}${scalar(v)}${comma}`, foldable: false, folded: false, closing: false });
      return;
    }
    const isArray = Array.isArray(v);
    const entries = Object.entries(v as object);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) {
      out.push({ path, depth, text: `${prefix}${open}${close}${comma}`, foldable: false, folded: false, closing: false });
      return;
    }
    if (fold.has(path)) {
      const what = isArray ? `${entries.length} item${entries.length === 1 ? '' : 's'}` : `${entries.length} key${entries.length === 1 ? '' : 's'}`;
      out.push({ path, depth, text: `${prefix}${open} … ${what} ${close}${comma}`, foldable: true, folded: true, closing: false });
      return;
    }
    out.push({ path, depth, text: `${prefix}${open}`, foldable: true, folded: false, closing: false });
    entries.forEach(([k, x], i) => walk(x, `${path}${SEP}${k}`, depth + 1, isArray ? '' : JSON.stringify(k), i < entries.length - 1 ? ',' : ''));
    out.push({ path, depth, text: `${close}${comma}`, foldable: false, folded: false, closing: true });
  };
  walk(value, '', 0, '', '');
  return out;
}

export type JsonAction =
  | { type: 'json/move'; delta: number; count: number; height: number }
  | { type: 'json/fold'; path: string; fold: boolean | 'toggle' }
  | { type: 'json/foldAll'; paths: string[] }
  | { type: 'json/setCursor'; cursor: number; count: number; height: number };

function inView(v: JsonView, height: number): JsonView {
  let top = v.top;
  if (v.cursor < top) top = v.cursor;
  else if (v.cursor >= top + height) top = v.cursor - height + 1;
  return top === v.top ? v : { ...v, top: Math.max(0, top) };
}

export function jsonReducer(v: JsonView, a: JsonAction): JsonView {
  switch (a.type) {
    case 'json/move': {
      const cursor = Math.min(Math.max(0, v.cursor + a.delta), Math.max(0, a.count - 1));
      return inView({ ...v, cursor }, a.height);
    }
    case 'json/setCursor':
      return inView({ ...v, cursor: Math.min(Math.max(0, a.cursor), Math.max(0, a.count - 1)) }, a.height);
    case 'json/fold': {
      const isFolded = v.folded.includes(a.path);
      const fold = a.fold === 'toggle' ? !isFolded : a.fold;
      if (fold === isFolded) return v;
      return { ...v, folded: fold ? [...v.folded, a.path] : v.folded.filter((p) => p !== a.path) };
    }
    case 'json/foldAll':
      return { ...v, folded: a.paths, cursor: 0, top: 0 };
  }
}

/**
 * The path to fold for ← on a line: its own value when it is an open object/array, else the
 * value that contains it (so ← walks out of a structure, as in a file tree).
 */
export function foldTarget(lines: JsonLine[], cursor: number): string | null {
  const l = lines[cursor];
  if (!l) return null;
  if (l.foldable && !l.folded) return l.path;
  if (l.closing) return l.path;
  if (l.path === '') return null;
  return l.path.slice(0, l.path.lastIndexOf(SEP));
}
