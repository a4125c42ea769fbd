// Keyboard handling: one useInput subscription routes each key to the handler of the screen
// that is current when the key arrives (get().mode). With one useInput per screen toggled by
// isActive, the toggle is applied in an effect after the render, so two keys in quick
// succession ('/' then 'p') could reach the screen just left, and a key that switches screens
// could be handled again by the screen it opened. The text fields (ink-text-input) take their
// characters themselves; the handlers here ignore plain characters on those screens.
// Handlers translate keys into reducer actions or calls on `ops`; they hold no state.
import { useInput, type Key } from 'ink';
import type { Dispatch } from 'react';
import type { AppAction, AppState, ConfirmAction, Mode } from '../state/app.js';
import { focusedField, type FormState } from '../state/form.js';

export interface Ops {
  quit(): void;
  attach(): void;
  openCreate(): void;
  openLogs(): void;
  openDetails(): void;
  askConfirm(action: ConfirmAction): void;
  confirmed(): void;
  start(): void;
  restart(): void;
  submitForm(form: FormState): void;
}

export interface KeyContext {
  /** The newest state (not the last rendered one: a key can arrive before the next render). */
  get: () => AppState;
  dispatch: Dispatch<AppAction>;
  ops: Ops;
  /** Rows of the scrolling body of the current screen, for PgUp/PgDn. */
  page: number;
  /** Lines of the details screen, to bound its scrolling. */
  detailLines: number;
}

type Handler = (input: string, key: Key, ctx: KeyContext) => void;

const listKeys: Handler = (input, key, { get, dispatch, ops, page }) => {
  if (key.upArrow || input === 'k') return dispatch({ type: 'move', delta: -1 });
  if (key.downArrow || input === 'j') return dispatch({ type: 'move', delta: 1 });
  if (key.pageUp) return dispatch({ type: 'move', delta: -page });
  if (key.pageDown) return dispatch({ type: 'move', delta: page });
  if (key.home || input === 'g') return dispatch({ type: 'moveTo', to: 'first' });
  if (key.end || input === 'G') return dispatch({ type: 'moveTo', to: 'last' });
  if (key.return || input === 'a') return ops.attach();
  if (key.escape) {
    dispatch({ type: 'clearMarks' });
    if (get().list.filter) dispatch({ type: 'setFilter', text: '' });
    return dispatch({ type: 'back' });
  }
  // Ink reports both the Delete key and Backspace (0x7f) as delete.
  if (key.delete) return ops.askConfirm('remove');
  switch (input) {
    case 'q':
      return ops.quit();
    case 's':
      return dispatch({ type: 'sortNext' });
    case 'S':
      return dispatch({ type: 'sortReverse' });
    case '/':
      return dispatch({ type: 'mode', mode: { kind: 'filter', previous: get().list.filter } });
    case ' ':
      dispatch({ type: 'toggleMark' });
      return dispatch({ type: 'move', delta: 1 });
    case 'c':
      return ops.openCreate();
    case 'l':
      return ops.openLogs();
    case 'd':
      return ops.openDetails();
    case 'x':
      return ops.askConfirm('stop');
    case 'K':
      return ops.askConfirm('kill');
    case 'D':
      return ops.askConfirm('remove');
    case 'r':
      return ops.restart();
    case 'u':
      return ops.start();
    case '?':
      return dispatch({ type: 'mode', mode: { kind: 'help' } });
  }
};

/** While the filter is typed (TextInput takes the characters), Enter keeps it and Esc drops it. */
const filterKeys: Handler = (_input, key, { dispatch }) => {
  if (key.return) dispatch({ type: 'mode', mode: { kind: 'list' } });
  else if (key.escape) dispatch({ type: 'back' });
  else if (key.upArrow) dispatch({ type: 'move', delta: -1 });
  else if (key.downArrow) dispatch({ type: 'move', delta: 1 });
};

const helpKeys: Handler = (_input, _key, { dispatch }) => dispatch({ type: 'back' });

const confirmKeys: Handler = (input, key, { dispatch, ops }) => {
  if (input === 'y' || input === 'Y') ops.confirmed();
  else if (input === 'n' || input === 'N' || input === 'q' || key.escape) dispatch({ type: 'back' });
};

const formKeys: Handler = (_input, key, { get, dispatch, ops }) => {
  const mode = get().mode;
  if (mode.kind !== 'create' || mode.form.submitting) return;
  if (key.escape) return dispatch({ type: 'back' });
  if ((key.tab && key.shift) || key.upArrow) return dispatch({ type: 'form/focus', delta: -1 });
  if (key.tab || key.downArrow) return dispatch({ type: 'form/focus', delta: 1 });
  if (focusedField(mode.form) === 'image') {
    if (key.leftArrow) return dispatch({ type: 'form/cycleImage', delta: -1 });
    if (key.rightArrow) return dispatch({ type: 'form/cycleImage', delta: 1 });
  }
  if (key.return) return ops.submitForm(mode.form);
};

const logsKeys: Handler = (input, key, { get, dispatch, page: height }) => {
  const mode = get().mode;
  if (mode.kind !== 'logs') return;
  if (mode.logs.search.editing) {
    // TextInput takes the characters of the search term.
    if (key.return) dispatch({ type: 'logs/searchCommit', height });
    else if (key.escape) dispatch({ type: 'logs/searchCancel' });
    return;
  }
  if (key.escape || input === 'q') return dispatch({ type: 'back' });
  if (key.upArrow || input === 'k') return dispatch({ type: 'logs/scroll', delta: -1, height });
  if (key.downArrow || input === 'j') return dispatch({ type: 'logs/scroll', delta: 1, height });
  if (key.pageUp || input === 'b') return dispatch({ type: 'logs/scroll', delta: -height, height });
  if (key.pageDown || input === ' ') return dispatch({ type: 'logs/scroll', delta: height, height });
  if (key.home || input === 'g') return dispatch({ type: 'logs/home' });
  if (key.end || input === 'G' || input === 'f') return dispatch({ type: 'logs/follow' });
  if (input === 't') return dispatch({ type: 'logs/toggleTimestamps' });
  if (input === '/') return dispatch({ type: 'logs/searchStart' });
  if (input === 'n') return dispatch({ type: 'logs/next', dir: 1, height });
  if (input === 'N') return dispatch({ type: 'logs/next', dir: -1, height });
};

const detailsKeys: Handler = (input, key, { dispatch, page, detailLines }) => {
  const max = detailLines - page;
  if (key.escape || input === 'q' || input === 'd') return dispatch({ type: 'back' });
  if (key.upArrow || input === 'k') return dispatch({ type: 'details/scroll', delta: -1, max });
  if (key.downArrow || input === 'j') return dispatch({ type: 'details/scroll', delta: 1, max });
  if (key.pageUp) return dispatch({ type: 'details/scroll', delta: -page, max });
  if (key.pageDown || input === ' ') return dispatch({ type: 'details/scroll', delta: page, max });
  if (key.home || input === 'g') return dispatch({ type: 'details/scroll', delta: -detailLines, max });
  if (key.end || input === 'G') return dispatch({ type: 'details/scroll', delta: detailLines, max });
};

export const HANDLERS: Record<Mode['kind'], Handler> = {
  list: listKeys,
  filter: filterKeys,
  help: helpKeys,
  confirm: confirmKeys,
  create: formKeys,
  logs: logsKeys,
  details: detailsKeys,
};

/**
 * The one key subscription. While the daemon is unreachable only q and Ctrl-C mean
 * anything. `enabled` false: someone else owns the terminal, no key is taken.
 */
export function useKeyRouter(ctx: KeyContext, opts: { enabled: boolean }): void {
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') return ctx.ops.quit();
      if (ctx.get().connection.kind === 'down') {
        if (input === 'q') ctx.ops.quit();
        return;
      }
      HANDLERS[ctx.get().mode.kind](input, key, ctx);
    },
    { isActive: opts.enabled },
  );
}
