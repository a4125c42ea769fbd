// The whole TUI state: the container list, which screen is up (the mode), the connection to
// the daemon and a one-line banner. One reducer over a discriminated union of actions; the
// form and logs reducers apply only while their mode is up.
import type { ContainerInspect } from '../../../core/api/types.js';
import { initialList, listReducer, type ListAction, type ListState } from './containers.js';
import { formReducer, initialForm, type FormAction, type FormState } from './form.js';
import { initialLogs, logsReducer, type LogsAction, type LogsState } from './logs.js';

export type ConfirmAction = 'stop' | 'kill' | 'remove';

export type Mode =
  | { kind: 'list' }
  | { kind: 'filter'; previous: string }
  | { kind: 'help' }
  | { kind: 'confirm'; action: ConfirmAction; ids: string[]; names: string[]; force: boolean }
  | { kind: 'create'; form: FormState }
  | { kind: 'logs'; id: string; name: string; logs: LogsState }
  | { kind: 'details'; id: string; name: string; inspect: ContainerInspect | null; error: string | null; top: number };

export type Connection =
  | { kind: 'connecting' }
  | { kind: 'up' }
  | { kind: 'down'; message: string; attempts: number };

export interface Banner {
  level: 'error' | 'info';
  text: string;
}

export interface AppState {
  list: ListState;
  mode: Mode;
  connection: Connection;
  banner: Banner | null;
  /** Wall clock of the last refresh, for the header (kept in state so renders stay pure). */
  now: number;
}

export type AppAction =
  | ListAction
  | FormAction
  | LogsAction
  | { type: 'mode'; mode: Mode }
  | { type: 'back' }
  | { type: 'connected'; at: number }
  | { type: 'disconnected'; message: string; at: number }
  | { type: 'banner'; banner: Banner | null }
  | { type: 'details/loaded'; id: string; inspect: ContainerInspect }
  | { type: 'details/failed'; id: string; message: string }
  | { type: 'details/scroll'; delta: number; max: number };

export function initialState(now = Date.now()): AppState {
  return { list: initialList(), mode: { kind: 'list' }, connection: { kind: 'connecting' }, banner: null, now };
}

export function openCreate(): Mode {
  return { kind: 'create', form: initialForm() };
}

export function openLogs(id: string, name: string): Mode {
  return { kind: 'logs', id, name, logs: initialLogs() };
}

export function openDetails(id: string, name: string): Mode {
  return { kind: 'details', id, name, inspect: null, error: null, top: 0 };
}

export function appReducer(s: AppState, a: AppAction): AppState {
  if (a.type.startsWith('form/')) {
    if (s.mode.kind !== 'create') return s;
    return { ...s, mode: { ...s.mode, form: formReducer(s.mode.form, a as FormAction) } };
  }
  if (a.type.startsWith('logs/')) {
    if (s.mode.kind !== 'logs') return s;
    return { ...s, mode: { ...s.mode, logs: logsReducer(s.mode.logs, a as LogsAction) } };
  }
  switch (a.type) {
    case 'mode':
      return { ...s, mode: a.mode, banner: null };
    case 'back':
      // Leaving the filter with Esc restores what it was before editing started.
      if (s.mode.kind === 'filter') {
        return { ...s, mode: { kind: 'list' }, list: listReducer(s.list, { type: 'setFilter', text: s.mode.previous }) };
      }
      return s.mode.kind === 'list' ? { ...s, banner: null } : { ...s, mode: { kind: 'list' } };
    case 'refresh':
      // A refresh is also the proof that the daemon answers.
      return {
        ...s,
        list: listReducer(s.list, a),
        connection: s.connection.kind === 'up' ? s.connection : { kind: 'up' },
        now: a.at ?? s.now,
      };
    case 'connected':
      return s.connection.kind === 'up' ? { ...s, now: a.at } : { ...s, connection: { kind: 'up' }, now: a.at };
    case 'disconnected': {
      const attempts = s.connection.kind === 'down' ? s.connection.attempts + 1 : 1;
      return { ...s, connection: { kind: 'down', message: a.message, attempts }, now: a.at };
    }
    case 'banner':
      return { ...s, banner: a.banner };
    case 'details/loaded':
      if (s.mode.kind !== 'details' || s.mode.id !== a.id) return s;
      return { ...s, mode: { ...s.mode, inspect: a.inspect, error: null } };
    case 'details/failed':
      if (s.mode.kind !== 'details' || s.mode.id !== a.id) return s;
      return { ...s, mode: { ...s.mode, error: a.message } };
    case 'details/scroll': {
      if (s.mode.kind !== 'details') return s;
      const top = Math.min(Math.max(0, s.mode.top + a.delta), Math.max(0, a.max));
      return top === s.mode.top ? s : { ...s, mode: { ...s.mode, top } };
    }
    default: {
      const list = listReducer(s.list, a as ListAction);
      return list === s.list ? s : { ...s, list };
    }
  }
}
