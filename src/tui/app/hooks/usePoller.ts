// The 1 Hz refresh: the container list and every container's stats in one request each,
// in parallel; the next round starts only when both answered (no pile-up when the daemon is
// slow), and a second after the previous one started. `kick()` cuts the wait short after an
// action so the table shows its effect at once.
import { useEffect, useRef, type Dispatch, type RefObject } from 'react';
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

export function usePoller(
  client: TuiClient,
  dispatch: Dispatch<AppAction>,
  stateRef: RefObject<AppState>,
  intervalMs: number,
): { kick(): void } {
  const wakeRef = useRef<(() => void) | null>(null);
  const kickedRef = useRef(false);
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const checking = new Set<string>();
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
          const [containers, stats] = await Promise.all([client.listContainers({ all: true }), client.allStats()]);
          if (stopped) break;
          dispatch({ type: 'refresh', containers, stats, at: Date.now() });
          const known = stateRef.current?.list.oom ?? {};
          checkOom(containers.filter((c) => c.State === 'exited' && !(c.Id in known)).map((c) => c.Id));
        } catch (err) {
          if (stopped) break;
          if (isUnreachable(err)) dispatch({ type: 'disconnected', message: errorText(err), at: Date.now() });
          else dispatch({ type: 'banner', banner: { level: 'error', text: `refresh failed: ${errorText(err)}` } });
        }
        await sleep(Math.max(0, intervalMs - (Date.now() - started)));
      }
    })();
    return () => {
      stopped = true;
      clearTimeout(timer);
      wakeRef.current?.();
    };
  }, [client, dispatch, intervalMs]);
  return {
    kick() {
      if (wakeRef.current) wakeRef.current();
      else kickedRef.current = true;
    },
  };
}
