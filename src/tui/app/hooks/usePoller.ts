// The refresh: every container's stats once a second (one request), and the container list
// when something changed (an event, an action: `kick()`) or every `listEveryMs` otherwise
// (for the "Up 5 minutes" texts). The next round starts only when the previous one answered
// (no pile-up when the daemon is slow). The list is the costly request with hundreds of
// containers, which is why it is not fetched every second.
import { useEffect, useRef, type Dispatch, type RefObject } from 'react';
import type { BoxifyStatsEntry, ContainerSummary } from '../../../core/api/types.js';
import { BoxifyError } from '../../../core/errors.js';
import type { TuiClient } from '../client.js';
import type { AppAction, AppState } from '../state/app.js';

export function isUnreachable(err: unknown): boolean {
  if (err instanceof BoxifyError) return err.code === 'unavailable' || err.code === 'forbidden';
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface Poller {
  /** Refresh now, the list included (after an action, or an event). */
  kick(): void;
}

export function usePoller(
  client: TuiClient,
  dispatch: Dispatch<AppAction>,
  stateRef: RefObject<AppState>,
  intervalMs: number,
  listEveryMs: number,
): Poller {
  const wakeRef = useRef<(() => void) | null>(null);
  const kickedRef = useRef(false);
  const listDueRef = useRef(true);
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const checking = new Set<string>();
    let containers: ContainerSummary[] | null = null;
    let listedAt = 0;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        if (kickedRef.current) {
          kickedRef.current = false;
          return resolve();
        }
        wakeRef.current = () => {
          clearTimeout(timer);
          resolve();
        };
        timer = setTimeout(resolve, ms);
      }).finally(() => {
        wakeRef.current = null;
      });
    const checkOom = (ids: string[]) => {
      // The list has no OOM flag: inspect each newly exited container once, in the background.
      for (const id of ids) {
        if (checking.has(id)) continue;
        checking.add(id);
        client
          .inspectContainer(id)
          .then((i) => !stopped && dispatch({ type: 'oom', id, oomKilled: i.State.OOMKilled === true }))
          .catch(() => !stopped && dispatch({ type: 'oom', id, oomKilled: false }))
          .finally(() => checking.delete(id));
      }
    };
    (async () => {
      while (!stopped) {
        const started = Date.now();
        try {
          const wantList: boolean = containers === null || listDueRef.current || started - listedAt >= listEveryMs;
          listDueRef.current = false;
          const [list, stats]: [ContainerSummary[], BoxifyStatsEntry[]] = await Promise.all([wantList ? client.listContainers({ all: true }) : Promise.resolve(containers!), client.allStats()]);
          if (stopped) break;
          if (wantList) {
            containers = list;
            listedAt = started;
          }
          dispatch({ type: 'refresh', containers: list, stats, at: Date.now() });
          if (wantList) {
            const known = stateRef.current?.list.oom ?? {};
            checkOom(list.filter((c) => c.State === 'exited' && !(c.Id in known)).map((c) => c.Id));
          }
        } catch (err) {
          if (stopped) break;
          // After a failure the list is fetched again: what it held may be stale.
          listDueRef.current = true;
          if (isUnreachable(err)) dispatch({ type: 'disconnected', message: errorText(err), at: Date.now() });
          else dispatch({ type: 'notice', text: `refresh failed: ${errorText(err)}`, at: Date.now() });
        }
        await sleep(Math.max(0, intervalMs - (Date.now() - started)));
      }
    })();
    return () => {
      stopped = true;
      clearTimeout(timer);
      wakeRef.current?.();
    };
  }, [client, dispatch, intervalMs, listEveryMs]);
  const poller = useRef<Poller>({
    kick() {
      listDueRef.current = true;
      if (wakeRef.current) wakeRef.current();
      else kickedRef.current = true;
    },
  });
  return poller.current;
}
