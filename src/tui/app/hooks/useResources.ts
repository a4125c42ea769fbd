// The images, volumes and networks lists: fetched when their pane is shown, again when an
// event says they changed (or an action on them finished: `reload`), and every few seconds
// while the pane is up. Nothing is fetched for panes nobody looks at.
import { useCallback, useEffect, useMemo, useRef, type Dispatch } from 'react';
import type { TuiClient } from '../client.js';
import type { AppAction } from '../state/app.js';
import { imageRows, networkRows, volumeRows, type ResourceKind } from '../state/resources.js';
import { errorText } from './usePoller.js';

const REFRESH_MS = 10_000;

export interface Resources {
  reload(kind: ResourceKind): void;
}

async function load(client: TuiClient, kind: ResourceKind): Promise<AppAction> {
  try {
    switch (kind) {
      case 'images':
        return { type: 'res/loaded', kind, items: imageRows(await client.listImages()) };
      case 'volumes':
        return { type: 'res/loaded', kind, items: volumeRows(await client.listVolumes()) };
      case 'networks':
        return { type: 'res/loaded', kind, items: networkRows(await client.listNetworks()) };
    }
  } catch (err) {
    const message = errorText(err);
    // A daemon without the API (yet) answers 404 on the list itself.
    const missing = /^(page not found|404|not found)/i.test(message) || /No such|not found/i.test(message);
    return { type: 'res/failed', kind, message: missing && kind === 'networks' ? `this boxifyd has no networks API (GET /networks: ${message})` : message };
  }
}

export function useResources(client: TuiClient, shown: ResourceKind | null, dispatch: Dispatch<AppAction>): Resources {
  const inFlight = useRef(new Set<ResourceKind>());
  const again = useRef(new Set<ResourceKind>());
  const reload = useCallback(
    (kind: ResourceKind) => {
      // One request per list at a time; a reload asked meanwhile runs once it answered.
      if (inFlight.current.has(kind)) {
        again.current.add(kind);
        return;
      }
      inFlight.current.add(kind);
      void load(client, kind).then((action) => {
        dispatch(action);
        inFlight.current.delete(kind);
        if (again.current.delete(kind)) reload(kind);
      });
    },
    [client, dispatch],
  );
  useEffect(() => {
    if (!shown) return;
    reload(shown);
    const t = setInterval(() => reload(shown), REFRESH_MS);
    return () => clearInterval(t);
  }, [shown, reload]);
  return useMemo(() => ({ reload }), [reload]);
}
