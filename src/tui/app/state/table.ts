// What every list pane shares: a selection that follows the same item across refreshes (and
// stays on the same line when its item goes), marks, and a filter. Items are known by a
// string key. Pure.

export interface Selection {
  key: string | null;
  /** Where the selection was, so it stays in place when its item disappears. */
  index: number;
}

export const noSelection: Selection = { key: null, index: 0 };

/** Keeps the selection on the same key; if it went away, on the same line. */
export function keepSelection(sel: Selection, keys: readonly string[], prefer?: string | null): Selection {
  if (keys.length === 0) return sel.key === null && sel.index === 0 ? sel : noSelection;
  if (prefer) {
    const p = keys.indexOf(prefer);
    if (p >= 0) return { key: prefer, index: p };
  }
  const i = sel.key === null ? -1 : keys.indexOf(sel.key);
  if (i >= 0) return i === sel.index ? sel : { key: sel.key, index: i };
  const j = Math.min(Math.max(0, sel.index), keys.length - 1);
  return { key: keys[j]!, index: j };
}

export function moveSelection(sel: Selection, keys: readonly string[], delta: number): Selection {
  if (keys.length === 0) return sel;
  const cur = sel.key === null ? -1 : keys.indexOf(sel.key);
  const i = Math.min(Math.max(0, (cur < 0 ? Math.min(sel.index, keys.length - 1) : cur) + delta), keys.length - 1);
  return i === cur ? sel : { key: keys[i]!, index: i };
}

export function moveSelectionTo(sel: Selection, keys: readonly string[], to: 'first' | 'last' | number): Selection {
  if (keys.length === 0) return sel;
  const i = to === 'first' ? 0 : to === 'last' ? keys.length - 1 : Math.min(Math.max(0, to), keys.length - 1);
  return { key: keys[i]!, index: i };
}

export function toggle(list: readonly string[], key: string): string[] {
  return list.includes(key) ? list.filter((k) => k !== key) : [...list, key];
}

/** Case-insensitive "contains" of any of the fields. */
export function matchesText(filter: string, ...fields: (string | null | undefined)[]): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return fields.some((x) => x !== null && x !== undefined && x.toLowerCase().includes(f));
}

/**
 * A one-entry memo for a derived list: recomputed only when one of the inputs changed
 * (compared with ===). Moving the selection over 500 rows then costs no sort.
 */
export function memoOne<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let last: { args: A; value: R } | null = null;
  return (...args: A) => {
    if (last && last.args.length === args.length && last.args.every((a, i) => a === args[i])) return last.value;
    const value = fn(...args);
    last = { args, value };
    return value;
  };
}
