// What the container screen fetches: its inspect when it opens (and again when an event says
// the container changed: `reinspect`), and its processes every two seconds while the Top tab
// is up.
import { useCallback, useEffect, useMemo, type Dispatch } from 'react';
import type { TuiClient } from '../client.js';
import type { AppAction } from '../state/app.js';
import { errorText } from './usePoller.js';

export const TOP_REFRESH_MS = 2000;

export function useContainerScreen(client: TuiClient, id: string | null, topShown: boolean, dispatch: Dispatch<AppAction>): { reinspect(): void } {
  const reinspect = useCallback(() => {
    if (!id) return;
    client
      .inspectContainer(id)
      .then((inspect) => dispatch({ type: 'detail/inspected', id, inspect }))
      .catch((err) => dispatch({ type: 'detail/failed', id, message: errorText(err) }));
  }, [client, id, dispatch]);

  useEffect(() => {
    reinspect();
  }, [reinspect]);

  useEffect(() => {
    if (!id || !topShown) return;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const t = await client.top(id);
        if (!stopped) dispatch({ type: 'detail/top', id, top: { titles: t.Titles, processes: t.Processes, at: Date.now(), error: null } });
      } catch (err) {
        if (!stopped) dispatch({ type: 'detail/top', id, top: { titles: [], processes: [], at: Date.now(), error: errorText(err) } });
      }
      if (!stopped) timer = setTimeout(tick, TOP_REFRESH_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, id, topShown, dispatch]);
  return useMemo(() => ({ reinspect }), [reinspect]);
}
