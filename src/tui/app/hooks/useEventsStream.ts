// The daemon's event stream, held open for the whole session: the events pane shows it (from
// the last minutes the daemon keeps), and a container, image, volume or network event tells
// the panes to fetch their lists again (so the TUI need not poll them). Events are handed to
// the reducer at most ten times a second; a lost stream is opened again every second until
// the daemon answers, from the last event seen (what was already shown is not repeated).
import { useEffect, type Dispatch } from 'react';
import type { EventMessage, TuiClient } from '../client.js';
import type { AppAction } from '../state/app.js';
import { eventFrom } from '../state/events.js';
import { errorText } from './usePoller.js';

const FLUSH_MS = 100;
const RETRY_MS = 1000;
/** How far back the first connection asks for (the daemon keeps its last few hundred). */
const HISTORY_S = 600;

const eventKey = (e: EventMessage) => `${e.timeNano ?? e.time}:${e.Type}:${e.Action}:${e.Actor?.ID}`;

export function useEventsStream(client: TuiClient, dispatch: Dispatch<AppAction>, onChange: (type: string, ev: EventMessage) => void): void {
  useEffect(() => {
    const abort = new AbortController();
    let pending: EventMessage[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      if (pending.length === 0 || abort.signal.aborted) return;
      const batch = pending;
      pending = [];
      dispatch({ type: 'events/add', events: batch.map(eventFrom) });
    };
    // Events of the last second seen, to drop when a reconnect replays them.
    let lastTime = Math.floor(Date.now() / 1000) - HISTORY_S;
    let seen = new Set<string>();
    (async () => {
      let failures = 0;
      while (!abort.signal.aborted) {
        try {
          const stream = client.events({
            signal: abort.signal,
            since: lastTime,
            onOpen: () => {
              failures = 0;
              dispatch({ type: 'events/status', status: 'live' });
              // Whatever happened while the stream was down: every list is fetched again.
              onChange('reconnected', {});
            },
          });
          for await (const ev of stream) {
            if (abort.signal.aborted) return;
            const key = eventKey(ev);
            if (seen.has(key)) continue;
            const time = ev.time ?? Math.floor((ev.timeNano ?? 0) / 1e9);
            if (time > lastTime) {
              lastTime = time;
              seen = new Set();
            }
            seen.add(key);
            pending.push(ev);
            timer ??= setTimeout(flush, FLUSH_MS);
            onChange(ev.Type ?? 'container', ev);
          }
          if (!abort.signal.aborted) dispatch({ type: 'events/status', status: 'reconnecting', error: 'the stream ended' });
        } catch (err) {
          if (abort.signal.aborted) return;
          failures++;
          dispatch({ type: 'events/status', status: 'reconnecting', error: errorText(err) });
        }
        await new Promise((r) => setTimeout(r, failures > 1 ? RETRY_MS : 100));
      }
    })();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [client, dispatch, onChange]);
}
