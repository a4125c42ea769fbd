// The events pane: the daemon's /events stream as it comes, the newest at the bottom, a
// filter over every field, and a view that follows the end until the user scrolls. Pure.
import { matchesText } from './table.js';

/** Events kept; older ones are dropped. */
export const MAX_EVENTS = 2000;

export interface EngineEvent {
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  type: string;
  action: string;
  id: string;
  /** The actor's name (containers, volumes) or reference (images), else its short ID. */
  actor: string;
  attributes: Record<string, string>;
}

export interface EventsState {
  items: EngineEvent[];
  nextSeq: number;
  filter: string;
  /** Index (into the filtered list) of the first line shown; null follows the end. */
  top: number | null;
  /** The stream's state, for the pane's title line. */
  status: 'connecting' | 'live' | 'reconnecting';
  error: string | null;
}

export type EventsAction =
  | { type: 'events/add'; events: Omit<EngineEvent, 'seq'>[] }
  | { type: 'events/status'; status: EventsState['status']; error?: string | null }
  | { type: 'events/setFilter'; text: string }
  | { type: 'events/scroll'; delta: number; height: number }
  | { type: 'events/follow' }
  | { type: 'events/home' }
  | { type: 'events/clear' };

export function initialEvents(): EventsState {
  return { items: [], nextSeq: 1, filter: '', top: null, status: 'connecting', error: null };
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
  status?: string;
  id?: string;
}

/** One message of the /events stream, as a row. */
export function eventFrom(m: DockerEvent): Omit<EngineEvent, 'seq'> {
  const attributes = m.Actor?.Attributes ?? {};
  const id = m.Actor?.ID ?? m.id ?? '';
  const time = m.timeNano ? Math.floor(m.timeNano / 1e6) : (m.time ?? 0) * 1000;
  const actor = attributes.name || (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, '$1'));
  return { time, type: m.Type ?? 'container', action: m.Action ?? m.status ?? '', id, actor, attributes };
}

export function eventMatches(e: EngineEvent, filter: string): boolean {
  if (!filter.trim()) return true;
  // Every word must match somewhere ("container die" finds the dies of containers).
  return filter
    .trim()
    .split(/\s+/)
    .every((w) => matchesText(w, e.type, e.action, e.actor, e.id, ...Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`)));
}

export function visibleEvents(s: EventsState): EngineEvent[] {
  return s.filter.trim() ? s.items.filter((e) => eventMatches(e, s.filter)) : s.items;
}

export function eventsTop(s: EventsState, count: number, height: number): number {
  const max = Math.max(0, count - height);
  return s.top === null ? max : Math.min(Math.max(0, s.top), max);
}

export function eventsReducer(s: EventsState, a: EventsAction): EventsState {
  switch (a.type) {
    case 'events/add': {
      if (a.events.length === 0) return s;
      const added = a.events.map((e, i) => ({ ...e, seq: s.nextSeq + i }));
      let items = s.items.concat(added);
      let top = s.top;
      if (items.length > MAX_EVENTS) {
        const drop = items.length - MAX_EVENTS;
        items = items.slice(drop);
        if (top !== null) top = Math.max(0, top - drop);
      }
      return { ...s, items, top, nextSeq: s.nextSeq + added.length };
    }
    case 'events/status':
      return { ...s, status: a.status, error: a.error ?? null };
    case 'events/setFilter':
      return { ...s, filter: a.text, top: null };
    case 'events/scroll': {
      const count = visibleEvents(s).length;
      const max = Math.max(0, count - a.height);
      const t = eventsTop(s, count, a.height) + a.delta;
      return { ...s, top: t >= max ? null : Math.max(0, t) };
    }
    case 'events/follow':
      return { ...s, top: null };
    case 'events/home':
      return { ...s, top: 0 };
    case 'events/clear':
      return { ...s, items: [], top: null };
  }
}
