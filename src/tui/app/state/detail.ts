// The container screen: tabs over one container (Info, Logs, Stats, Env, Config, Top, and
// Health when it has a healthcheck). Each tab keeps its own scroll position while the others
// are looked at. Pure.
import type { ContainerInspect } from '../../../core/api/types.js';
import { foldableAt, initialJsonView, jsonReducer, type JsonAction, type JsonView } from './json.js';
import { initialLogs, logsReducer, type LogsAction, type LogsState } from './logs.js';

export const TABS = ['info', 'logs', 'stats', 'env', 'config', 'top', 'health'] as const;
export type Tab = (typeof TABS)[number];

export const TAB_TITLES: Record<Tab, string> = {
  info: 'Info',
  logs: 'Logs',
  stats: 'Stats',
  env: 'Env',
  config: 'Config',
  top: 'Top',
  health: 'Health',
};

export interface TopState {
  titles: string[];
  processes: string[][];
  /** When it was read (ms), for the "refreshed" note. */
  at: number;
  error: string | null;
}

export interface DetailState {
  id: string;
  name: string;
  tab: Tab;
  inspect: ContainerInspect | null;
  error: string | null;
  logs: LogsState;
  top: TopState | null;
  json: JsonView;
  /** First line shown of the plain-text tabs (info, env, top, health). */
  scroll: Partial<Record<Tab, number>>;
}

export type DetailAction =
  | LogsAction
  | JsonAction
  | { type: 'detail/tab'; tab: Tab }
  | { type: 'detail/cycleTab'; delta: number }
  | { type: 'detail/inspected'; id: string; inspect: ContainerInspect }
  | { type: 'detail/failed'; id: string; message: string }
  | { type: 'detail/top'; id: string; top: TopState }
  | { type: 'detail/scroll'; delta: number; max: number };

export function openDetail(id: string, name: string, tab: Tab = 'info'): DetailState {
  return { id, name, tab, inspect: null, error: null, logs: initialLogs(), top: null, json: initialJsonView(), scroll: {} };
}

/** The tabs this container has: Health only with a healthcheck. */
export function tabsOf(d: DetailState): Tab[] {
  const hc = d.inspect?.Config as { Healthcheck?: { Test?: string[] } } | undefined;
  const health = (d.inspect?.State as { Health?: unknown } | undefined)?.Health;
  const hasHealth = Boolean(health) || Boolean(hc?.Healthcheck?.Test?.length && hc.Healthcheck.Test[0] !== 'NONE');
  return TABS.filter((t) => t !== 'health' || hasHealth);
}

export function detailReducer(d: DetailState, a: DetailAction): DetailState {
  if (a.type.startsWith('logs/')) return { ...d, logs: logsReducer(d.logs, a as LogsAction) };
  if (a.type.startsWith('json/')) return { ...d, json: jsonReducer(d.json, a as JsonAction) };
  switch (a.type) {
    case 'detail/tab':
      return tabsOf(d).includes(a.tab) ? { ...d, tab: a.tab } : d;
    case 'detail/cycleTab': {
      const tabs = tabsOf(d);
      const i = tabs.indexOf(d.tab);
      return { ...d, tab: tabs[(i + a.delta + tabs.length) % tabs.length]! };
    }
    case 'detail/inspected': {
      if (a.id !== d.id) return d;
      // The first time: fold the Config document to its sections (Enter or → opens one).
      const json = d.inspect ? d.json : { ...d.json, folded: foldableAt(a.inspect, 1) };
      return { ...d, inspect: a.inspect, error: null, json };
    }
    case 'detail/failed':
      return a.id === d.id ? { ...d, error: a.message } : d;
    case 'detail/top':
      return a.id === d.id ? { ...d, top: a.top } : d;
    case 'detail/scroll': {
      const cur = d.scroll[d.tab] ?? 0;
      const next = Math.min(Math.max(0, cur + a.delta), Math.max(0, a.max));
      return next === cur ? d : { ...d, scroll: { ...d.scroll, [d.tab]: next } };
    }
    default:
      return d;
  }
}
